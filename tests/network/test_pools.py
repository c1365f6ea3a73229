"""Capacity pools in the network file: parsed, checked with every problem named, loaded, exported."""
import io

import pytest
from django.core.management import call_command

from tests.factories import network_text
from vuoro.network.models import Pool
from vuoro.network.networkfile import NetworkFileError, PoolSpec, dump_network, parse_network
from vuoro.network.selectors import network_export
from vuoro.network.services import network_load
from vuoro.network.state import network_state

POINTS = [dict(id="malmi", desks=3, services=["extended-permit", "residence-card"]),
          dict(id="espoo", desks=1, services=["extended-permit"])]
SERVICES = [("extended-permit", 30), ("residence-card", 30)]
WA = dict(id="withdrawal-agreement", desks=1, public_days_before=3, service_points=["malmi"],
          services=["residence-card"])


def text(*pools) -> str:
    return network_text(points=POINTS, services=SERVICES, pools=pools)


def problems(*pools) -> str:
    with pytest.raises(NetworkFileError) as caught:
        parse_network(text(*pools), "net.toml")
    return "\n".join(caught.value.problems)


class TestParse:
    def test_reads_a_pool(self):
        spec = parse_network(text(WA))
        assert spec.pools == (PoolSpec(id="withdrawal-agreement", name=spec.pools[0].name, kind="priority", desks=1,
                                       public_days_before=3, service_points=("malmi",), services=("residence-card",)),)
        assert spec.pools[0].name.sv == "withdrawal-agreement sv"

    def test_points_and_services_may_be_left_out(self):
        spec = parse_network(text(dict(id="staff-help", kind="staff", desks=1)))
        assert spec.pools[0].service_points is None and spec.pools[0].services is None
        assert spec.pools[0].public_days_before == 0

    def test_dump_parses_back_to_the_same(self):
        spec = parse_network(text(WA, dict(id="staff-help", kind="staff", desks=1, service_points=["espoo"])))
        assert parse_network(dump_network(spec)) == spec

    def test_more_desks_than_the_point_has_is_named(self):
        found = problems(dict(id="big", desks=2))  # espoo has one desk
        assert 'net.toml: pools[0] (id "big").desks: 2 desks kept, but service point \'espoo\' has only 1' in found

    def test_two_pools_on_one_point_are_named(self):
        found = problems(WA, dict(id="other", desks=1, service_points=["malmi", "espoo"]))
        assert 'pools[1] (id "other").service_points: service point \'malmi\' already has pool' in found

    def test_unknown_ids_kinds_and_keys_are_named(self):
        found = problems(dict(id="x", desks=1, service_points=["nowhere"], services=["nothing"], kind="vip"))
        assert "pools[0] (id \"x\").service_points: unknown service point 'nowhere'" in found
        assert "pools[0] (id \"x\").services: unknown service 'nothing'" in found
        assert "pools[0] (id \"x\").kind: must be one of priority, staff, not 'vip'" in found

    def test_missing_desks_and_a_bad_slug_are_named(self):
        found = problems(dict(id="Not OK", desks=0))
        assert 'pools[0] (id "Not OK").id' in found and 'pools[0] (id "Not OK").desks: must be between 1' in found

    def test_duplicate_ids_are_named(self):
        found = problems(dict(id="a", desks=1, service_points=["malmi"]), dict(id="a", desks=1,
                                                                              service_points=["espoo"]))
        assert "duplicate pool id 'a'" in found


@pytest.mark.django_db
class TestLoadAndExport:
    def test_loads_into_the_database_and_the_network_state(self):
        network_load(spec=parse_network(text(WA)))
        pool = Pool.objects.get()
        assert (pool.kind, pool.desks, pool.public_days_before) == ("priority", 1, 3)
        assert list(pool.service_points.values_list("id", flat=True)) == ["malmi"]
        state = network_state()
        assert state.pool_of_point == {"malmi": "withdrawal-agreement"}
        assert state.pools["withdrawal-agreement"].services == frozenset({"residence-card"})

    def test_loading_twice_changes_nothing_and_export_round_trips(self, tmp_path):
        spec = parse_network(text(WA, dict(id="staff-help", kind="staff", desks=1, service_points=["espoo"])))
        network_load(spec=spec)
        assert not network_load(spec=spec).changed
        assert network_export().pools == tuple(sorted(spec.pools, key=lambda p: p.id))  # exported by id
        out = io.StringIO()
        call_command("exportnetwork", stdout=out)
        assert parse_network(out.getvalue()).pools == network_export().pools

    def test_a_change_of_points_moves_the_version(self):
        network_load(spec=parse_network(text(WA)))
        before = network_state().version
        network_load(spec=parse_network(text({**WA, "service_points": ["espoo"], "services": ["extended-permit"]})))
        state = network_state()
        assert state.version != before and state.pool_of_point == {"espoo": "withdrawal-agreement"}

    def test_a_stored_pool_on_the_same_point_refuses_the_load(self):
        network_load(spec=parse_network(text(WA)))
        with pytest.raises(NetworkFileError, match="already has pool 'other'|already has pool 'withdrawal"):
            network_load(spec=parse_network(text(dict(id="other", desks=1, service_points=["malmi"]))))
        assert Pool.objects.count() == 1
