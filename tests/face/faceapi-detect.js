/*
 * The reference for the converted face detector: face-api's own tiny
 * face detector (its node-wasm bundle on TF.js's WASM backend) finds the
 * faces of the square images tests/face/detect-test wrote, and each box
 * and score is compared with ours.
 *
 *	node faceapi-detect.js MODEL_DIR DIR
 *
 * MODEL_DIR holds tiny_face_detector_model-weights_manifest.json and its
 * .bin: the very files make models converted.  DIR holds detect.rgb, the
 * images (SIDE x SIDE RGB pixels each, one after the other), and
 * detect.txt, our boxes ("IMAGE X Y W H SCORE" lines, most confident
 * first within an image).  face-api runs on each image at input size
 * SIDE, so that neither side scales or pads it.  Prints TAP; exit status
 * 0 when every test passed.  Nothing is downloaded.
 */
'use strict';

const fs = require('fs');
const path = require('path');

/* TF.js greets with advice on stdout, which would break the TAP. */
const log = console.log;
console.log = () => {};
console.warn = () => {};

const SIDE = 416;
const MIN_SCORE = 0.3;	/* as detect-test's REF_SCORE */
const BOX_BAR = 1;	/* pixels */
const SCORE_BAR = 1e-3;

async function main() {
  const [modelDir, dir] = process.argv.slice(2);
  if (!modelDir || !dir) {
    process.stderr.write('usage: node faceapi-detect.js MODEL_DIR DIR\n');
    process.exit(2);
  }
  const tf = require('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

  wasm.setWasmPaths(path.dirname(
    require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);

  const px = fs.readFileSync(path.join(dir, 'detect.rgb'));
  const size = SIDE * SIDE * 3;
  const n = px.length / size;
  const ours = new Map();
  for (const line of fs.readFileSync(path.join(dir, 'detect.txt'), 'utf8').split('\n')) {
    if (!line.trim())
      continue;
    const v = line.trim().split(/\s+/).map(Number);
    if (!ours.has(v[0]))
      ours.set(v[0], []);
    ours.get(v[0]).push(v.slice(1));
  }

  log('1..3');
  log(`${Number.isInteger(n) && n > 0 ? '' : 'not '}ok 1 - face-api ${faceapi.version}'s tiny face detector on ${n} images`);

  const opts = new faceapi.TinyFaceDetectorOptions({ inputSize: SIDE, scoreThreshold: MIN_SCORE });
  let same = Number.isInteger(n) && n > 0;
  let maxBox = 0;
  let maxScore = 0;
  let faces = 0;
  for (let i = 0; same && i < n; i++) {
    const t = tf.tensor3d(Int32Array.from(px.subarray(i * size, (i + 1) * size)),
      [SIDE, SIDE, 3], 'int32');
    const found = await faceapi.detectAllFaces(t, opts);
    t.dispose();
    found.sort((a, b) => b.score - a.score);
    const mine = ours.get(i) || [];
    if (mine.length !== found.length) {
      process.stderr.write(`# image ${i}: face-api finds ${found.length} faces, ours ${mine.length}\n`);
      same = false;
      break;
    }
    found.forEach((d, k) => {
      const b = d.box;
      const m = mine[k];
      maxBox = Math.max(maxBox, Math.abs(b.x - m[0]), Math.abs(b.y - m[1]),
        Math.abs(b.width - m[2]), Math.abs(b.height - m[3]));
      maxScore = Math.max(maxScore, Math.abs(d.score - m[4]));
    });
    faces += found.length;
  }
  process.stderr.write(`# ${faces} faces: largest difference ${maxBox.toExponential(2)} px in a box, ${maxScore.toExponential(2)} in a score\n`);
  log(`${same && faces > 0 && maxBox <= BOX_BAR ? '' : 'not '}ok 2 - the same ${faces} faces as face-api, boxes within ${BOX_BAR} px (${maxBox.toExponential(2)})`);
  log(`${same && faces > 0 && maxScore <= SCORE_BAR ? '' : 'not '}ok 3 - scores within ${SCORE_BAR} of face-api's (${maxScore.toExponential(2)})`);
}

main().catch((e) => {
  process.stderr.write(`faceapi-detect: ${e.message}\n`);
  process.exit(1);
});
