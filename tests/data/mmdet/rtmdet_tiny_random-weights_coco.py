# A person detector for the tests, with no weights to download: MMDet's own
# RTMDet-tiny, as a one-class (person = label 0) detector with random weights.
# Only what the tests need differs from mmdet's config:
# - no ImageNet backbone: the tests run without network and load no weights
#   (the inferencers never call init_weights(); this only keeps a
#   Runner or init_weights() from trying to download);
# - one class, person (label 0): a random 80-class head's best boxes are
#   rarely persons, so the tests would see no person at all;
# - exp_on_reg=True (as RTMDet-s/m/l/x): box sides are exp(.) * stride > 0,
#   while tiny's raw distances come out negative for some random weights and
#   MMDet then drops every box as degenerate;
# - a random detector scores every anchor near sigmoid(0) = 0.5, so
#   score_thr=0.0 keeps boxes, and max_per_img caps them at 5 per image to
#   keep the top-down pose model that runs on each box fast;
# - 320x320 input instead of 640x640: 4x fewer pixels on a 2-core CPU.
# Its boxes are meaningless; they exercise the pipeline, not the detector.
_base_ = ['mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py']

img_scale = (320, 320)

model = dict(
    backbone=dict(init_cfg=None),
    bbox_head=dict(num_classes=1, exp_on_reg=True),
    test_cfg=dict(score_thr=0.0, nms_pre=1000, max_per_img=5))

test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
