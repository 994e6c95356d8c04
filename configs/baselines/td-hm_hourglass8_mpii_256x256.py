# Plain 8-stack hourglass of Newell et al. (ECCV 2016), MPII, 256x256: the
# baseline of fig. 4(b) (accuracy of each stage on MPII val) and of Table 3
# (26M parameters, 90.9 PCKh@0.5 on the MPII test set). The model of
# td-hm_hourglass8_coco_256x192.py with 16 keypoints; the data and recipe of
# ../clnet_hourglass8_mpii_256x256.py. 25.37M parameters (CLNet: 25.12M).
# Accuracy of stage i (fig. 4b): --cfg-options model.test_cfg.stage=i.
_base_ = ['../clnet_hourglass8_mpii_256x256.py']

# MMPose's MPII heatmap codec: 64x64 maps (stride 4), sigma 2 px
# (``codec`` replaces the base's CL codec: tools read cfg.codec)
heatmap_codec = dict(
    type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
codec = dict(heatmap_codec, _delete_=True)

model = dict(
    type='TopdownPoseEstimator',
    backbone=dict(
        _delete_=True,
        type='NewellHourglass',
        num_keypoints=16,
        num_stacks=8,
        channels=256),
    head=dict(
        _delete_=True,
        type='MultiStageHeatmapHead',
        in_channels=16,
        out_channels=16,
        num_stages=8,
        deconv_out_channels=None,
        final_layer=None,  # see td-hm_hourglass8_coco_256x192.py
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=heatmap_codec),
    test_cfg=dict(flip_mode='heatmap', shift_heatmap=True))

# the CLNet-Hourglass row's pipeline (Newell's augmentation), with the
# heatmap codec
train_pipeline = [
    dict(t, input_size=heatmap_codec['input_size']) if 'input_size' in t else
    dict(t, encoder=heatmap_codec) if 'encoder' in t else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
