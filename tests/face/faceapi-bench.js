/*
 * The peer for scripts/bench-face: @vladmandic/face-api, the library a
 * JavaScript user would pick, on TF.js's WASM backend, taking photos the
 * whole way to descriptors as its documentation shows: SSD MobileNet v1
 * detection of the most confident face, 68 landmarks, the descriptor.
 *
 *	node faceapi-bench.js MODEL_DIR FACES_DIR LIST
 *
 * LIST names photos under FACES_DIR, one a line.  Prints one line a photo,
 * "NAME" and the 128 numbers of its descriptor, or "NAME none" when no face
 * was found; then "# faces N photos M ms T cpu_ms C" with the time taken
 * from the first photo read to the last descriptor, and the CPU time.  Nothing is downloaded: the models
 * come from MODEL_DIR, the WASM binaries from the installed backend.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const out = process.stdout;
console.log = () => {};
console.warn = () => {};

async function main() {
  const [modelDir, facesDir, list] = process.argv.slice(2);
  if (!modelDir || !facesDir || !list) {
    process.stderr.write('usage: node faceapi-bench.js MODEL_DIR FACES_DIR LIST\n');
    process.exit(2);
  }
  const tf = require('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const jpeg = require('jpeg-js');

  wasm.setWasmPaths(path.dirname(
    require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const opts = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });

  const names = fs.readFileSync(list, 'utf8').split('\n').filter((s) => s);
  let faces = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const name of names) {
    const img = jpeg.decode(fs.readFileSync(path.join(facesDir, name)),
      { useTArray: true, formatAsRGBA: false });
    const t = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    const r = await faceapi.detectSingleFace(t, opts)
      .withFaceLandmarks().withFaceDescriptor();
    t.dispose();
    if (r) {
      faces++;
      out.write(`${name} ${Array.from(r.descriptor, (v) => v.toFixed(6)).join(' ')}\n`);
    } else {
      out.write(`${name} none\n`);
    }
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  out.write(`# faces ${faces} photos ${names.length} ms ${ms.toFixed(0)} cpu_ms ${cpu.toFixed(0)} backend ${tf.getBackend()} face-api ${faceapi.version}\n`);
}

main().catch((e) => {
  process.stderr.write(`faceapi-bench: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
