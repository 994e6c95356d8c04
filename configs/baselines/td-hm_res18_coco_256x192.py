# MMPose's SimpleBaseline with a ResNet18, COCO, 256x192: the baseline of the
# paper's backbone sweep (fig. 4a) at depth 18, which MMPose does not ship.
# MMPose's SimpleBaseline-R50 recipe; a ResNet18 ends with 512 channels.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py'
]
# the project's convention: every config loads the plugin (its hooks,
# datasets and the compat work-arounds: checkpoints load on torch >= 2.6)
custom_imports = dict(imports=['mmpose_cl'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet18')),
    head=dict(in_channels=512))
