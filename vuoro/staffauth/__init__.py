"""Staff sign-in: throttled passwords (django-axes), a second factor (TOTP, django-otp) and sessions
that end (absolute and idle limits). Customers' booking sessions are not staff sessions: untouched."""
