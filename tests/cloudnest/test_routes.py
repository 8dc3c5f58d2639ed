"""The single route table (spec §7, §P)."""

import pytest

from nestflow.cloudnest.errors import CloudNestConfigError
from nestflow.cloudnest.models import ENDPOINT_MODELS
from nestflow.cloudnest.routes import DEFAULT_ROUTES, BodyKind, RouteHost

DOCUMENTED = {
    "job_plate_used": "/cn-api/api/job/plate_used",
    "job_plan_detail": "/cn-api/api/job/plan_detail",
    "part_loc_info": "/cn-api/api/part/loc_info",
    "machine_result_list": "/cn-api/api/open_platform/machine/result/list",
    "device_upload_cut": "/upload/api/device_tasks/upload/cut",
    "server_version": "/api/server_version",
}

SECTION_P1 = {
    "job_add": "/cn-api/api/job/add",
    "job_search": "/cn-api/api/job/search",
    "job_info": "/cn-api/api/job/info",
    "drawing_upload": "/cn-api/api/drawing/upload",
    "drawing_upload_url": "/cn-api/api/drawing/upload_url",
    "job_drawing_status": "/cn-api/api/job/drawing_status",
    "job_boost": "/cn-api/api/job/boost",
    "job_nest_detail": "/cn-api/api/job/nest_detail",
    "production_push": "/cn-api/api/open_platform/plan/push",
    "production_detail": "/cn-api/api/open_platform/plan/detail",
}


def test_table_lists_the_44_endpoints_of_the_vendor_catalogue_the_iot_upload_and_the_version():
    cloudnest = [r for r in DEFAULT_ROUTES.values() if r.section not in {"iot", "server"}]
    assert len(cloudnest) == 44
    assert len({(r.method, r.path) for r in DEFAULT_ROUTES.values()}) == 46
    pages = sorted(int(r.doc_page.removeprefix("api-")) for r in cloudnest)
    assert pages == list(range(279053204, 279053248))
    assert [r.name for r in DEFAULT_ROUTES.values() if r.section == "iot"] == ["device_upload_cut"]
    assert [r.name for r in DEFAULT_ROUTES.values() if r.section == "server"] == ["server_version"]


def test_server_version_lives_on_cloudnests_own_host_unsigned_and_known_from_third_parties():
    route = DEFAULT_ROUTES["server_version"]
    assert (route.method, route.path, route.host) == ("GET", "/api/server_version", "cloudnest")
    assert route.host is RouteHost.CLOUDNEST and not route.signed and route.read_only
    assert route.documented and route.third_party
    others = [r for r in DEFAULT_ROUTES.values() if r.name != "server_version"]
    assert all(r.signed and r.host is RouteHost.GATEWAY and not r.third_party for r in others)


def test_only_the_vendor_documented_paths_are_tagged_documented():
    assert {n: DEFAULT_ROUTES[n].path for n in DEFAULT_ROUTES.documented} == DOCUMENTED
    assert len(DEFAULT_ROUTES.provisional) == 40
    assert all(DEFAULT_ROUTES[n].method == "POST" for n in DOCUMENTED if n != "server_version")


def test_documented_request_bodies_of_sections_8_5_to_8_7_are_tagged():
    body_documented = {n for n, r in DEFAULT_ROUTES.items() if r.body_documented}
    assert body_documented == set(DOCUMENTED) | {"plate_add", "part_smart_draw", "part_import_dxf"}


@pytest.mark.parametrize(("name", "path"), sorted(SECTION_P1.items()))
def test_main_sequence_routes_use_section_p_paths_verbatim(name, path):
    route = DEFAULT_ROUTES[name]
    assert (route.method, route.path, route.provisional) == ("POST", path, True)


def test_vendor_get_endpoints_are_get():
    gets = {n for n, r in DEFAULT_ROUTES.items() if r.method == "GET"}
    assert gets == {"plate_scrap_tree", "material_list", "server_version"}


def test_file_uploads_are_multipart():
    multipart = {n for n, r in DEFAULT_ROUTES.items() if r.body is BodyKind.MULTIPART}
    assert multipart == {
        "drawing_upload",
        "part_import_nc1",
        "part_import_dxf",
        "device_upload_cut",
    }


def test_creates_are_not_read_only_so_never_resent_blindly():
    for name in (
        "job_add",
        "drawing_upload",
        "job_boost",
        "production_push",
        "plate_add",
        "device_upload_cut",
    ):
        assert not DEFAULT_ROUTES[name].read_only


def test_every_route_has_request_and_response_models():
    assert set(ENDPOINT_MODELS) == set(DEFAULT_ROUTES)


def test_override_string_sets_method_and_path():
    table = DEFAULT_ROUTES.with_overrides({"job_add": "PUT /v2/jobs"})
    assert (table["job_add"].method, table["job_add"].path) == ("PUT", "/v2/jobs")
    assert DEFAULT_ROUTES["job_add"].path == "/cn-api/api/job/add"


def test_override_path_only_keeps_the_method():
    table = DEFAULT_ROUTES.with_overrides({"material_list": "/cn-api/api/material/all"})
    assert (table["material_list"].method, table["material_list"].path) == (
        "GET",
        "/cn-api/api/material/all",
    )


def test_override_mapping_and_lowercase_method():
    table = DEFAULT_ROUTES.with_overrides({"job_boost": {"method": "post", "path": "/x/boost"}})
    assert (table["job_boost"].method, table["job_boost"].path) == ("POST", "/x/boost")
    assert table.find("POST", "/x/boost").name == "job_boost"


def test_unknown_override_name_is_an_error_listing_valid_names():
    with pytest.raises(CloudNestConfigError) as info:
        DEFAULT_ROUTES.with_overrides({"job_create": "/x"})
    assert "'job_create'" in str(info.value)
    assert "job_add" in str(info.value) and "production_push" in str(info.value)


@pytest.mark.parametrize(
    "spec",
    ["FETCH /x", "POST x", "POST /x extra", {"verb": "POST"}, 42],
    ids=["bad-method", "relative-path", "three-words", "unknown-key", "not-a-string"],
)
def test_malformed_override_is_an_error_naming_the_endpoint(spec):
    with pytest.raises(CloudNestConfigError, match="job_add"):
        DEFAULT_ROUTES.with_overrides({"job_add": spec})


def test_lookup_of_unknown_name_lists_valid_names():
    with pytest.raises(CloudNestConfigError, match="valid names: .*job_add"):
        DEFAULT_ROUTES["nest_detail"]
