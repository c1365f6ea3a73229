"""Production settings from the environment pass Django's deployment checks."""
import os
import secrets
import subprocess
import sys


def run_check(**env):
    return subprocess.run([sys.executable, "-m", "vuoro.cli", "check", "--deploy", "--fail-level", "WARNING"],
                          capture_output=True, text=True, timeout=120, env={
                              **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, **env})


def test_production_settings_pass_check_deploy():
    result = run_check(VUORO_DEBUG="off", VUORO_SECRET_KEY=secrets.token_urlsafe(50),
                       VUORO_SMS_URL="https://sms.example.org/send", VUORO_SMS_TOKEN="t")
    assert result.returncode == 0, result.stderr


class TestProductionSendsItsMessages:
    def test_console_or_memory_mail_fails_the_deployment_check(self):
        for backend in ("django.core.mail.backends.console.EmailBackend",
                        "django.core.mail.backends.locmem.EmailBackend"):
            result = run_check(VUORO_DEBUG="off", VUORO_SECRET_KEY=secrets.token_urlsafe(50),
                               VUORO_SMS_URL="https://sms.example.org/send", VUORO_EMAIL_BACKEND=backend)
            assert result.returncode != 0 and "vuoro.E101" in result.stderr

    def test_console_text_messages_fail_the_deployment_check(self):
        result = run_check(VUORO_DEBUG="off", VUORO_SECRET_KEY=secrets.token_urlsafe(50),
                           VUORO_SMS_BACKEND="vuoro.notify.sms.ConsoleBackend")
        assert result.returncode != 0 and "vuoro.E102" in result.stderr

    def test_the_sms_gateway_needs_its_https_address(self):
        result = run_check(VUORO_DEBUG="off", VUORO_SECRET_KEY=secrets.token_urlsafe(50))
        assert result.returncode != 0 and "vuoro.E103" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(VUORO_DEBUG="off", VUORO_SECRET_KEY="")
    assert result.returncode != 0 and "VUORO_SECRET_KEY must be set" in result.stderr


def settings_of(**env) -> subprocess.CompletedProcess:
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.SECRET_KEY_FALLBACKS, settings.TRUSTED_PROXIES)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env={
        **os.environ, "DJANGO_SETTINGS_MODULE": "vuoro.settings", **env})


def test_secret_key_fallbacks_and_trusted_proxies_come_from_the_environment():
    result = settings_of(VUORO_SECRET_KEY_FALLBACKS=" old-key-2 ,old-key-1,",
                         VUORO_TRUSTED_PROXIES="10.0.0.7, 192.168.0.0/16,2001:db8::/48")
    assert result.stdout.strip() == ("['old-key-2', 'old-key-1'] "
                                     "['10.0.0.7/32', '192.168.0.0/16', '2001:db8::/48']"), result.stderr
    assert settings_of().stdout.strip() == "[] []"


def test_a_trusted_proxy_that_is_no_address_stops_the_start():
    result = settings_of(VUORO_TRUSTED_PROXIES="10.0.0.1,proxy.example.org")
    assert result.returncode != 0 and "VUORO_TRUSTED_PROXIES" in result.stderr
