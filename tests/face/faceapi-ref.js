/*
 * The reference for the converted descriptor model: face-api itself
 * (its node-wasm bundle on TF.js's WASM backend) describes the chips
 * tests/face/face-test wrote, and each component is compared with ours.
 *
 *	node faceapi-ref.js MODEL_DIR DIR
 *
 * MODEL_DIR holds face_recognition_model-weights_manifest.json and its
 * .bin: the very files make models converted.  DIR holds chips.rgb and
 * descriptors.f32 from face-test -o.  Prints TAP; exit status 0 when
 * every test passed.  Nothing is downloaded: the WASM binaries come from
 * the installed @tensorflow/tfjs-backend-wasm.
 */
'use strict';

const fs = require('fs');
const path = require('path');

/* TF.js greets with advice on stdout, which would break the TAP. */
const log = console.log;
console.log = () => {};
console.warn = () => {};

const CHIP = 150;
const DIM = 128;
const BAR = 1e-3;
const EXACT = 1e-5;

async function main() {
  const [modelDir, dir] = process.argv.slice(2);
  if (!modelDir || !dir) {
    process.stderr.write('usage: node faceapi-ref.js MODEL_DIR DIR\n');
    process.exit(2);
  }
  const tf = require('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

  /* The backend finds its .wasm files beside itself unless told
   * otherwise; say so, so that it can never reach for a CDN. */
  wasm.setWasmPaths(path.dirname(
    require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
  await tf.setBackend('wasm');
  await tf.ready();

  const chips = fs.readFileSync(path.join(dir, 'chips.rgb'));
  const ours = fs.readFileSync(path.join(dir, 'descriptors.f32'));
  const n = chips.length / (CHIP * CHIP * 3);
  const theirs = [];

  log('1..5');
  log(`${faceapi.tf.getBackend() === 'wasm' ? '' : 'not '}ok 1 - face-api ${faceapi.version} runs on TF.js ${tf.version_core} ${faceapi.tf.getBackend()}`);

  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const px = chips.subarray(i * CHIP * CHIP * 3, (i + 1) * CHIP * CHIP * 3);
    const t = tf.tensor3d(Int32Array.from(px), [CHIP, CHIP, 3], 'int32');
    theirs.push(await faceapi.computeFaceDescriptor(t));
    t.dispose();
  }
  const ms = (performance.now() - t0) / n;
  process.stderr.write(`# face-api: ${ms.toFixed(1)} ms a descriptor\n`);

  const okCount = Number.isInteger(n) && n > 0 && ours.length === n * DIM * 4;
  log(`${okCount ? '' : 'not '}ok 2 - ${n} chips and as many descriptors`);

  const f = new Float32Array(ours.buffer, ours.byteOffset, ours.length / 4);
  let max = 0;
  let maxDist = 0;
  for (let i = 0; i < n && okCount; i++) {
    let d2 = 0;
    for (let k = 0; k < DIM; k++) {
      const d = Math.abs(f[i * DIM + k] - theirs[i][k]);
      max = Math.max(max, d);
      d2 += d * d;
    }
    maxDist = Math.max(maxDist, Math.sqrt(d2));
  }
  process.stderr.write(`# max |ours - face-api| per component ${max.toExponential(2)}, largest distance ${maxDist.toExponential(2)}\n`);
  log(`${okCount && max < BAR ? '' : 'not '}ok 3 - every component within ${BAR} of face-api (max ${max.toExponential(2)})`);
  /* The conversion scales the first convolution by 256/255 to divide the
   * input as face-api does; without it they differ by up to 4e-4 (measured
   * on these chips), inside the bar above. */
  log(`${okCount && max < EXACT ? '' : 'not '}ok 4 - and within ${EXACT}: the input is scaled as face-api scales it`);

  /* A model that ignores its input would agree with itself and still be
   * wrong: the descriptors must differ between faces. */
  let spread = 0;
  for (let i = 1; i < n; i++) {
    let d2 = 0;
    for (let k = 0; k < DIM; k++) d2 += (theirs[i][k] - theirs[0][k]) ** 2;
    spread = Math.max(spread, Math.sqrt(d2));
  }
  log(`${spread > 0.5 ? '' : 'not '}ok 5 - the faces get different descriptors (up to ${spread.toFixed(2)} apart)`);
}

main().catch((e) => {
  log(`not ok - ${String(e && e.message ? e.message : e).split('\n')[0]}`);
  process.exit(1);
});
