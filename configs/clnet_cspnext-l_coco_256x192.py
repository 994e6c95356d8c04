# CLNet-CSPNeXt-l, COCO, 256x192: the m config at RTMPose-l's width and depth,
# from RTMPose-l's pretrained CSPNeXt-l. Put it against MMPose's
# rtmpose-l_8xb256-420e_coco-256x192.py (75.8 AP on COCO val, 4.16 GFLOPs).
_base_ = ['./clnet_cspnext-m_coco_256x192.py']

model = dict(
    backbone=dict(
        # RTMPose-l's CSPNeXt-l: stages 1-3 give 512 channels
        deepen_factor=1.,
        widen_factor=1.,
        init_cfg=dict(
            checkpoint='https://download.openmmlab.com/mmpose/v1/projects/'
            'rtmposev1/cspnext-l_udp-aic-coco_210e-256x192-273b7631_20230130.pth'  # noqa
        )),
    head=dict(in_channels=512))
