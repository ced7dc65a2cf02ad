#!/usr/bin/python3
"""Independent oracle for io.lipstream.job.faces.FaceTensors and FacePaster (HARD).

Re-implements, with OpenCV's Python bindings and numpy, what Rudrabha/Wav2Lip inference.py does
to a face: datagen() builds the model input, the main loop pastes the model output back. Writes
into job/src/test/resources/face-golden/:

  frame.png              the fixture frame (frame FRAME_INDEX of the bundled clip), lossless
  cases.json             the face boxes [x1, y1, x2, y2) used, and the paste case
  face_input_<name>.npy  float32 [6, 96, 96]: the model's face input for that box
  model_output.npy       float32 [1, 3, 96, 96]: a stand-in model output in [0, 1]
  pasted_<name>.png      the frame with model_output pasted into the paste case's box

Run with Debian's interpreter (apt-get install python3-opencv python3-numpy):
  /usr/bin/python3 job/src/test/python/face_oracle.py
Nothing in the build or the tests runs Python; the outputs are committed.
"""
import json
import os

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
CLIP = os.path.join(
    ROOT, "tools", "samples", "src", "main", "resources", "io", "lipstream", "samples",
    "talking_astronaut_25fps.mp4")
OUT = os.path.join(ROOT, "job", "src", "test", "resources", "face-golden")

IMG_SIZE = 96  # Wav2Lip hparams.img_size
FRAME_INDEX = 100

# Boxes (x1, y1, x2, y2), exclusive ends as in image[y1:y2, x1:x2]. "face" is the padded face at
# frame 100 (larger than 96: resize shrinks); "small" makes resize enlarge; "edge" touches the
# frame's right and bottom borders.
CASES = [
    ("face", (222, 56, 374, 218)),
    ("small", (250, 120, 320, 178)),
    ("edge", (517, 251, 640, 360)),
]
PASTE_CASE = "face"


def read_frame(index):
    capture = cv2.VideoCapture(CLIP)
    try:
        for _ in range(index + 1):
            ok, frame = capture.read()
            if not ok:
                raise SystemExit("clip has fewer than %d frames" % (index + 1))
        return frame
    finally:
        capture.release()


def face_input(frame, box):
    """datagen(): crop, resize, mask the lower half, concat [masked, face], /255, NCHW."""
    x1, y1, x2, y2 = box
    face = frame[y1:y2, x1:x2]
    face = cv2.resize(face, (IMG_SIZE, IMG_SIZE))
    img_batch = np.asarray([face])
    img_masked = img_batch.copy()
    img_masked[:, IMG_SIZE // 2:] = 0
    img_batch = np.concatenate((img_masked, img_batch), axis=3) / 255.
    return np.transpose(img_batch, (0, 3, 1, 2)).astype(np.float32)[0]


def paste(frame, box, pred):
    """Main loop: pred [B,3,H,W] -> HWC * 255 -> uint8 -> resize to the box -> overwrite."""
    x1, y1, x2, y2 = box
    pred = pred.transpose(0, 2, 3, 1) * 255.
    f = frame.copy()
    p = cv2.resize(pred[0].astype(np.uint8), (x2 - x1, y2 - y1))
    f[y1:y2, x1:x2] = p
    return f


def main():
    os.makedirs(OUT, exist_ok=True)
    frame = read_frame(FRAME_INDEX)
    cv2.imwrite(os.path.join(OUT, "frame.png"), frame)
    # Re-read the PNG so that everything below uses exactly the committed pixels.
    frame = cv2.imread(os.path.join(OUT, "frame.png"), cv2.IMREAD_COLOR)
    for name, box in CASES:
        np.save(os.path.join(OUT, "face_input_%s.npy" % name), face_input(frame, box))
    rng = np.random.default_rng(20240601)
    pred = rng.random((1, 3, IMG_SIZE, IMG_SIZE), dtype=np.float32)
    pred[0, 0, 0, 0] = 1.0  # the top of the range must map to 255, not wrap
    pred[0, 1, 0, 0] = 0.0
    # Just below 200 once times 255: astype(np.uint8) truncates it to 199.
    pred[0, 2, 0, 0] = np.nextafter(np.float32(200 / 255.0), np.float32(0))
    np.save(os.path.join(OUT, "model_output.npy"), pred)
    paste_box = dict(CASES)[PASTE_CASE]
    cv2.imwrite(os.path.join(OUT, "pasted_%s.png" % PASTE_CASE), paste(frame, paste_box, pred))
    with open(os.path.join(OUT, "cases.json"), "w") as out:
        json.dump({
            "frameIndex": FRAME_INDEX,
            "size": IMG_SIZE,
            "cases": [{"name": n, "x1": b[0], "y1": b[1], "x2": b[2], "y2": b[3]} for n, b in CASES],
            "paste": {"case": PASTE_CASE, "output": "model_output.npy",
                      "expected": "pasted_%s.png" % PASTE_CASE},
            "made_with": "opencv %s, numpy %s" % (cv2.__version__, np.__version__),
        }, out, indent=2)
        out.write("\n")


if __name__ == "__main__":
    main()
