# CLNet-Hourglass (8 stacks), COCO test-dev2017, 384x256 (paper Table 1:
# 75.8 AP on test-dev2017). As clnet_r152_coco_384x288_test-dev.py:
#   python tools/test.py configs/clnet_hourglass8_coco_384x256_test-dev.py CKPT
# writes work_dirs/clnet_hourglass8_coco_384x256_test-dev/results.keypoints
# .json for the COCO evaluation server.
_base_ = ['./clnet_hourglass8_coco_384x256.py']

test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/image_info_test-dev2017.json',
        bbox_file='data/coco/person_detection_results/'
        'COCO_test-dev2017_detections_AP_H_609_person.json',
        data_prefix=dict(img='test2017/')))
test_evaluator = dict(
    ann_file='data/coco/annotations/image_info_test-dev2017.json',
    format_only=True,  # no labels: write the results file, no AP
    outfile_prefix='work_dirs/clnet_hourglass8_coco_384x256_test-dev/results')
