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

train_pipeline = [
    dict(type='CheckedLoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    # Newell et al. [9]: scale 0.75-1.25, rotation +-30 degrees, no shift
    dict(
        type='RandomBBoxTransform',
        shift_prob=0,
        scale_factor=(0.75, 1.25),
        rotate_factor=30,
        rotate_prob=0.4),  # [9]'s code (pose-hg-train) rotates 40%
    # shear (sec. 4.1): no reference gives a range; ours
    dict(
        type='RandomShearTopdownAffine',
        input_size=heatmap_codec['input_size'],
        shear_factor=10,
        shear_prob=0.5),
    dict(type='GenerateTarget', encoder=heatmap_codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
