# CLNet-ResNet152, COCO test-dev2017, 384x288 (paper Table 1: 74.1 AP on
# test-dev2017). test-dev has no public labels: CocoMetric only writes the
# predictions (format_only) for the COCO evaluation server:
#   python tools/test.py configs/clnet_r152_coco_384x288_test-dev.py CKPT
# writes work_dirs/clnet_r152_coco_384x288_test-dev/results.keypoints.json;
# the server takes it renamed person_keypoints_test-dev2017_<method>_results
# .json, zipped. Data (cocodataset.org): test2017/ and
# annotations/image_info_test-dev2017.json; the person boxes of SimpleBaseline
# and HRNet (section 4.1), as for val2017.
_base_ = ['./clnet_r152_coco_384x288.py']

test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/image_info_test-dev2017.json',
        bbox_file='data/coco/person_detection_results/'
        'COCO_test-dev2017_detections_AP_H_609_person.json',
        data_prefix=dict(img='test2017/')))
test_evaluator = dict(
    # the image list: CocoMetric takes the image ids and sizes from it
    ann_file='data/coco/annotations/image_info_test-dev2017.json',
    format_only=True,  # no labels: write the results file, no AP
    outfile_prefix='work_dirs/clnet_r152_coco_384x288_test-dev/results')
