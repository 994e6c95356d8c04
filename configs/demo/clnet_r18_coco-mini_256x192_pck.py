# The demo model under the protocol of FINDINGS.md (docs/loss_region.md):
# same training, evaluated on the 12 people's ground-truth boxes with
# PCK@0.2 (bbox-normalised) and EPE instead of COCO AP on detections.
_base_ = ['./clnet_r18_coco-mini_256x192.py']

val_dataloader = dict(dataset=dict(bbox_file=None))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='PCKAccuracy', thr=0.2, norm_item='bbox'),
    dict(type='EPE')
]
test_evaluator = val_evaluator
