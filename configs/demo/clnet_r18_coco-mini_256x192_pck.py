# The demo model under the first loss-region protocol (docs/loss_region.md):
# same training, evaluated on the 12 people's ground-truth boxes with
# PCK@0.2 (bbox-normalised) and EPE, plus PCK@0.05 and COCO AP, all on the
# ground-truth boxes.
_base_ = ['./clnet_r18_coco-mini_256x192.py']

data_root = 'tests/data/coco/'

val_dataloader = dict(dataset=dict(bbox_file=None))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='PCKAccuracy', thr=0.2, norm_item='bbox'),
    # stricter: 0.05 of the box, and COCO AP (OKS) on the ground-truth boxes
    dict(type='PCKAccuracy', thr=0.05, norm_item='bbox', prefix='strict'),
    dict(type='EPE'),
    dict(type='CocoMetric', ann_file=data_root + 'test_coco.json')
]
test_evaluator = val_evaluator
