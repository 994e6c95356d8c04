# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The mmpose-cl demo: train, test and run CLNet on the bundled mini-COCO.

1. ``tools/train.py`` trains CLNet-ResNet18 from scratch on the 12 annotated
   people of the 4 COCO val2017 images in ``tests/data/coco``;
2. ``tools/test.py`` evaluates the checkpoint on the same images with the
   bundled MMDet person boxes and prints COCO AP;
3. ``MMPoseInferencer`` runs the checkpoint on a bundled image and saves the
   picture;
4. the CL visualisation draws, for that image, the cells that vote and the
   arrow of each cell's offset vote.

Every run writes to a new folder (``work_dirs/demo_<time>`` unless
``--work-dir`` is given) so nothing from an earlier run is overwritten.

    python demo/run_demo.py [--work-dir DIR] [--iters N] [--image PATH]
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import time

from clpose.files import refuse_to_overwrite

from mmpose_cl.utils import person_boxes, read_scalars

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

CONFIG = osp.join(REPO, 'configs', 'demo', 'clnet_r18_coco-mini_256x192.py')
COCO = osp.join(REPO, 'tests', 'data', 'coco')
DETECTIONS = osp.join(COCO, 'test_coco_det_AP_H_56.json')  # MMDet's boxes


def run(cmd):
    print('$', ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', help='output folder (must not exist)')
    parser.add_argument('--iters', type=int, default=300,
                        help='training iterations (batch of 12 people)')
    parser.add_argument('--image', default=osp.join(COCO, '000000000785.jpg'),
                        help='image for the inferencer')
    parser.add_argument('--kpt-thr', type=float, default=0.1,
                        help='draw keypoints whose score (the peak heatmap '
                        'value) reaches this; it stays low after minutes '
                        'of training')
    args = parser.parse_args()

    work_dir = osp.abspath(args.work_dir or osp.join(
        REPO, 'work_dirs', time.strftime('demo_%Y%m%d_%H%M%S')))
    try:
        refuse_to_overwrite(work_dir, hint='choose another --work-dir so '
                            'that nothing in it is overwritten')
    except FileExistsError as e:
        sys.exit(str(e))
    py = sys.executable
    t0 = time.time()

    # 1. train (validates on the bundled person boxes at the end)
    run([py, 'tools/train.py', CONFIG, '--work-dir', work_dir,
         '--cfg-options', f'train_cfg.max_iters={args.iters}',
         f'train_cfg.val_interval={args.iters}',
         f'default_hooks.checkpoint.interval={args.iters}'])
    checkpoint = osp.join(work_dir, f'iter_{args.iters}.pth')
    t_train = time.time() - t0

    # 2. test the checkpoint through MMPose's test entry point
    metrics_file = osp.join(work_dir, 'test_metrics.json')
    run([py, 'tools/test.py', CONFIG, checkpoint, '--work-dir', work_dir,
         '--out', metrics_file])
    with open(metrics_file) as f:
        metrics = json.load(f)

    # 3. inference with MMPose's inferencer on a bundled image
    from mmpose.apis import MMPoseInferencer

    import mmpose_cl  # noqa: F401
    boxes = person_boxes(DETECTIONS, args.image)
    inferencer = MMPoseInferencer(
        pose2d=CONFIG, pose2d_weights=checkpoint, device='cpu',
        det_model='whole_image')
    vis_dir = osp.join(work_dir, 'vis')
    result = next(inferencer(
        args.image, bboxes=[boxes], out_dir=vis_dir,
        radius=4, thickness=2, kpt_thr=args.kpt_thr))
    people = len(result['predictions'][0])

    # 4. composite localization at work: voting cells and offset arrows
    import cv2
    from mmpose.apis import init_model

    from mmpose_cl.visualization import draw_people_votes
    model = init_model(CONFIG, checkpoint, device='cpu')
    votes_png = osp.join(vis_dir, 'cl_votes_' + osp.splitext(
        osp.basename(args.image))[0] + '.png')
    cv2.imwrite(votes_png,
                draw_people_votes(model, cv2.imread(args.image), boxes[:, :4]))

    losses = [r['loss'] for r in read_scalars(work_dir)[0]]
    print('\n==== mmpose-cl demo done in {:.0f} s (training {:.0f} s) ===='
          .format(time.time() - t0, t_train))
    if losses:
        print(f'training loss      : {losses[0]:.4f} -> {losses[-1]:.4f}')
    print(f"COCO AP (12 people): {metrics['coco/AP']:.3f}   "
          f"AP50: {metrics['coco/AP .5']:.3f}   AR: {metrics['coco/AR']:.3f}")
    print(f'work dir           : {work_dir}')
    print(f'checkpoint         : {checkpoint}')
    print(f'training log       : {work_dir}/<timestamp>/<timestamp>.log')
    print(f'test metrics       : {metrics_file}')
    print(f'picture ({people} people): {vis_dir}/visualizations/'
          f'{osp.basename(args.image)}')
    print(f'CL votes picture   : {votes_png}')


if __name__ == '__main__':
    main()
