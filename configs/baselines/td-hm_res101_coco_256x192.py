# MMPose's SimpleBaseline-R101, COCO, 256x192 (MMPose: 72.8 AP), unchanged:
# the baseline of the paper's backbone sweep (fig. 4a) at depth 101, named
# beside the others of the sweep.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res101_8xb64-210e_coco-256x192.py'
]
# the project's convention: every config loads the plugin (its hooks,
# datasets and the compat work-arounds: checkpoints load on torch >= 2.6)
custom_imports = dict(imports=['mmpose_cl'], allow_failed_imports=False)
