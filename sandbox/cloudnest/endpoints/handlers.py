"""Which function answers which CloudNest route: one explicit table, checked against the routes.

Every route name of the shared route table (:data:`nestflow.cloudnest.routes.DEFAULT_ROUTES`) that
the sandbox answers is listed here with its handler, grouped by the vendor's sections. Nothing is
registered as a side effect of importing a module.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nestflow.sandbox.cloudnest.endpoints import drawings, jobs, library, others, parts, production
from nestflow.sandbox.cloudnest.endpoints.table import Handler

HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "drawing_upload": drawings.drawing_upload,
        "drawing_upload_url": drawings.drawing_upload_url,
        "drawing_info": drawings.drawing_info,
        "drawing_delete": drawings.drawing_delete,
        "drawing_force_delete": drawings.drawing_force_delete,
        "job_add": jobs.job_add,
        "job_search": jobs.job_search,
        "job_list": jobs.job_list,
        "job_info": jobs.job_info,
        "job_info_flat": jobs.job_info_flat,
        "job_parts": jobs.job_parts,
        "job_drawing_status": jobs.job_drawing_status,
        "job_boost": jobs.job_boost,
        "job_nest_detail": jobs.job_nest_detail,
        "job_layouts": jobs.job_layouts,
        "job_layout_detail": jobs.job_layout_detail,
        "job_part_layout": jobs.job_part_layout,
        "job_plate_used": jobs.job_plate_used,
        "job_plan_list": jobs.job_plan_list,
        "job_plan_detail": jobs.job_plan_detail,
        "job_delete_nest": jobs.job_delete_nest,
        "job_delete": jobs.job_delete,
        "plate_add": library.plate_add,
        "plate_update": library.plate_update,
        "plate_list": library.plate_list,
        "plate_scrap_tree": library.plate_scrap_tree,
        "material_add": library.material_add,
        "material_list": library.material_list,
        "text_recognition_config": others.text_recognition_config,
        "text_recognition_drawing_config": others.text_recognition_drawing_config,
        "others_layout_job_material": others.others_layout_job_material,
        "others_layout_parts": others.others_layout_parts,
        "server_version": others.server_version,
        "part_import_dxf": parts.part_import_dxf,
        "part_import_nc1": parts.part_import_nc1,
        "part_import_js_template": parts.part_import_js_template,
        "part_smart_draw": parts.part_smart_draw,
        "part_list": parts.part_list,
        "part_loc_info": parts.part_loc_info,
        "part_copy": parts.part_copy,
        "part_update": parts.part_update,
        "part_update_props": parts.part_update_props,
        "production_push": production.production_push,
        "device_upload_cut": production.device_upload_cut,
        "production_detail": production.production_detail,
        "machine_result_list": production.machine_result_list,
    }
)
