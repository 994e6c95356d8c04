# Plain 8-stack hourglass of Newell et al. (ECCV 2016), COCO, 256x192: the
# counterpart of CLNet-Hourglass (paper Table 1 lists it at 71.9 AP and
# 14.3 GFLOPs, HRNet's numbers). The stem, hourglasses, residual modules,
# re-injection, data and recipe of ../clnet_hourglass8_coco_256x192.py; each
# stage ends in Newell's two 1x1 convs, 17 heatmaps at stride 4, trained with
# MMPose's MSRAHeatmap targets and KeypointMSELoss on every stage.
# 25.38M parameters (CLNet-Hourglass: 25.13M).
# Accuracy of stage i (fig. 4b): --cfg-options model.test_cfg.stage=i.
_base_ = ['../clnet_hourglass8_coco_256x192.py']

# MMPose's heatmap codec for 256x192: 48x64 maps (stride 4), sigma 2 px
# (``codec`` replaces the base's CL codec: tools read cfg.codec)
heatmap_codec = dict(
    type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
codec = dict(heatmap_codec, _delete_=True)

model = dict(
    type='TopdownPoseEstimator',  # MMPose's: no CL build-time checks
    backbone=dict(
        _delete_=True,
        type='NewellHourglass',
        num_keypoints=17,
        num_stacks=8,
        channels=256),
    head=dict(
        _delete_=True,
        # MMPose's CPMHead, + test_cfg.stage
        type='MultiStageHeatmapHead',
        in_channels=17,
        out_channels=17,
        num_stages=8,
        deconv_out_channels=None,
        # the heatmap convs are the backbone's (their output is re-injected)
        final_layer=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=heatmap_codec),
    # MMPose's heatmap flip test
    test_cfg=dict(flip_mode='heatmap', shift_heatmap=True))

# the CLNet-Hourglass row's pipeline (Newell's augmentation), with the
# heatmap codec
train_pipeline = [
    dict(t, input_size=heatmap_codec['input_size']) if 'input_size' in t else
    dict(t, encoder=heatmap_codec) if 'encoder' in t else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
