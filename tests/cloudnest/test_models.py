"""Models of the documented examples (spec §8) keep their exact shape and casing."""

import json

import pytest

from nestflow.cloudnest.models import (
    ENDPOINT_MODELS,
    DxfImportItem,
    Envelope,
    JobAddRequest,
    PartImportDxfRequest,
    PlateAddRequest,
    SmartDrawRequest,
)

PLATE_USED = """{"status":0,"msg":"OK","data":[
 {"guid":"ADDC72FE-1BB0-4FA8-B747-5531BC5BC761","amount":2,"material":"304","thickness":0.8,
  "plate_name":"Standard Plate","plate_type":0,"file_url":null,"thumbnail_url":null,
  "width":1500,"height":6000},
 {"guid":"170A0F51-95BC-4014-A108-7F9F1C1FD882","amount":2,"material":"304","thickness":0.8,
  "plate_name":"Standard Plate","plate_type":0,"file_url":null,"thumbnail_url":null,
  "width":1000,"height":2000}]}"""

PLAN_DETAIL = """{"status":0,"msg":"OK","data":[{
 "guid":"8c737d9e-96a9-4626-a3d8-0da280f6302c","result_guid":"3DC495FB-47A8-469E-A11F-25FD82151BC7",
 "plate_name":"Layout 1","gmid":165192,"width":1500,"height":6000,"material":"304","thickness":0.8,
 "part_amount":195,"total_plate_amount":1,"finish_plate_amount":0,"comments":"",
 "start_time":null,"finish_time":null,"status":"uncompleted",
 "parts":[
  {"guid":"C9C93B31-83DC-4CD4-88FC-E0F164BFCE56","material":"304","thickness":0.8,"amount":20,
   "part_name":"Bochu E","props":[{"prop_name":"orderCode","prop_value":"20211213-0001"}],
   "drawing_name":"8-24 Summary","drawing_guid":"BAEEA108-1CF8-4E11-9AFE-6B6BFE6E50D3",
   "job_id":6451},
  {"guid":"51AA18BE-EE1E-4ACA-92B0-1D720D94D23E","material":"304","thickness":0.8,"amount":20,
   "part_name":"Bochu L","props":[],"drawing_name":"Bochu",
   "drawing_guid":"941E4066-D36C-4EC9-9344-A0AC11D99D42","job_id":6451}]}]}"""

LOC_INFO = """{"data":{
 "guid":"B854D234-4726-4E57-A25A-89D6D6C4020A",
 "nest_result":[
  {"guid":"F25C7BFD-0B82-42F1-BAAD-6878A22C887C",
   "library_plate_guid":"2E71B693-F7A8-4E79-A778-31EB412EBC6C",
   "part_list":["017FE518-9C53-41BB-9566-54AEBAADAA16","017FE518-9C53-41BB-9566-54AEBAADAA16",
     "18333808-2CD6-4F67-BC11-CDDE1477CCCA","A12FCFF2-2DBA-45C3-BDE2-770578A31842"],
   "plate_idx":1,"plate_name":"Result1"}],
 "task_name":"20210316-tmp-Q235-0.8-Nitrogen-0001"},
 "msg":"OK","status":0}"""

MACHINE_RESULT_LIST = """{"status":0,"msg":"OK","data":[{
 "uuid":"F01BD7CD-0A81-4B24-B66A-2B74D9BB370C","plate_name":"排版1","nest_name":"20240822_4",
 "width":2000,"height":1000,"thickness":1,"material":"材质1","amount":1,
 "parts":[{"uuid":"F1FBF9AF-3E76-4379-AD42-15CC868CAFD2","name":"5736957-D","width":272,
   "height":350,"amount":1,"area":91440.65,"weight":0.72}],
 "abnor_info":[{"name":"材质1-余料板-1.00-1","width":1726,"height":1000,"area":1726000}],
 "part_weight":0.72}]}"""

EXAMPLES = {
    "job_plate_used": PLATE_USED,
    "job_plan_detail": PLAN_DETAIL,
    "part_loc_info": LOC_INFO,
    "machine_result_list": MACHINE_RESULT_LIST,
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_documented_response_round_trips_with_exact_keys(name):
    raw = json.loads(EXAMPLES[name])
    envelope = Envelope.model_validate(raw)
    assert envelope.ok and envelope.msg == "OK"
    parsed = ENDPOINT_MODELS[name].parse(envelope.data)
    dumped = ENDPOINT_MODELS[name].adapter.dump_python(parsed, mode="json", by_alias=True)
    assert dumped == raw["data"]


def test_documented_plan_detail_fields_are_typed():
    task = ENDPOINT_MODELS["job_plan_detail"].parse(json.loads(PLAN_DETAIL)["data"])[0]
    assert task.gmid == 165192 and task.status == "uncompleted"
    assert task.parts[0].props[0].prop_value == "20211213-0001"
    assert task.parts[1].props == []


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("job_plate_used", {"job_id": [0]}),
        ("job_plan_detail", {"job_id": [0]}),
        (
            "part_loc_info",
            {
                "type": "SingleResult",
                "guid": "0512478F-662C-412F-9116-2FCB5C0C94F2",
                "order_by": "x",
            },
        ),
        ("machine_result_list", {"gmid": 165192, "start_time": "string", "end_time": "string"}),
    ],
)
def test_documented_requests_round_trip(name, body):
    assert ENDPOINT_MODELS[name].request.model_validate(body).wire() == body


def test_plate_add_body_of_section_8_5_round_trips():
    body = {
        "plate_type": 0,
        "plate_name": "Standard Plate-1",
        "remain_amount": 100,
        "width": 1200.0,
        "height": 2000.0,
        "material_id": 2095,
        "thickness": 1.0,
        "gap": 1.0,
    }
    assert PlateAddRequest.model_validate(body).wire() == body


SMART_DRAW = {
    "partName": "part-01",
    "material": "Cold Rolled Steel",
    "thickness": 1.0,
    "gas": "Air",
    "amount": 10,
    "fillColor": "800000",
    "rotateLock": 1,
    "jobId": 7350,
    "props": {"Order Number": "20220330-001", "Material Number": "001", "Location.X": 8},
    "argument": {"L1": "50"},
}


def test_smart_draw_body_of_section_8_6_keeps_camel_case():
    model = SmartDrawRequest.model_validate(SMART_DRAW)
    assert model.part_name == "part-01" and model.job_id == 7350 and model.rotate_lock == 1
    assert model.wire() == SMART_DRAW
    assert model.model_dump() == {**SMART_DRAW}


def test_camel_case_models_also_accept_python_names():
    model = SmartDrawRequest(part_name="p", job_id=1, fill_color="FF0000")
    assert model.wire() == {"partName": "p", "jobId": 1, "fillColor": "FF0000"}


DXF_IMPORT = [
    {
        "datas": {
            "part_name": "201109-01",
            "material": "冷轧板",
            "thickness": 1.0,
            "gas": "Air",
            "amount": 1,
            "rotate_lock": 0,
            "fill_color": "800000",
            "prop": {"订单号": "1027594022", "物料号": "277516275", "其他": "1"},
        },
        "filename": "t21.dxf",
        "jobId": 1606,
        "optimization_parm": [
            {"type": "layer_map", "0": "process_work2", "尺寸标注": "process_mark"},
            {
                "type": "optimize",
                "Smooth": {
                    "ConvertCircle": True,
                    "Enable": True,
                    "IgnoreBezier": True,
                    "Tolerance": 0.05,
                },
            },
        ],
    }
]


def test_dxf_import_body_of_section_8_7_round_trips_with_mixed_casing():
    model = PartImportDxfRequest.model_validate(DXF_IMPORT)
    item: DxfImportItem = model.root[0]
    assert item.job_id == 1606 and item.datas.prop["订单号"] == "1027594022"
    assert model.wire() == DXF_IMPORT


def test_unknown_fields_from_a_real_server_are_kept():
    raw = json.loads(PLATE_USED)["data"]
    raw[0]["new_vendor_field"] = {"x": 1}
    plate = ENDPOINT_MODELS["job_plate_used"].parse(raw)[0]
    assert plate.new_vendor_field == {"x": 1}
    assert plate.model_dump()["new_vendor_field"] == {"x": 1}


def test_envelope_does_not_depend_on_key_order_nor_require_data():
    assert Envelope.model_validate({"msg": "bad", "status": 1005}).data is None
    assert not Envelope.model_validate({"data": None, "msg": "x", "status": 1009}).ok


def test_request_wire_leaves_out_unset_optional_fields():
    assert JobAddRequest(job_name="J-1").wire() == {"job_name": "J-1"}
