#!/bin/sh
# ft-capture: frame records from a video file, an image, a directory of
# images; times from --start-time plus the frame's position; --fps,
# --duration, --max-frames, --size, --spool; a source that cannot be
# opened fails with status 1, a live source that is away or drops is
# retried (a real HTTP stream, served by ffmpeg, killed and restarted);
# pipe edges.
. "$(dirname "$0")/lib.sh"

command -v ffmpeg >/dev/null || skip_all "ffmpeg is missing"

# A 2-second video at 10 frames/s, and three images.
ffmpeg -nostdin -v error -f lavfi -i testsrc=size=320x240:rate=10:duration=2 \
	-c:v libx264 -pix_fmt yuv420p clip.mp4
mkdir pics
for i in 1 2 3; do
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=200x100 \
		-frames:v 1 "pics/$i.jpg"
done
START=2026-11-24T09:00:00.000Z

test_expect_success 'every frame of a video, timed from --start-time' '
	ft-capture --start-time "$START" clip.mp4 >out &&
	test_line_count = 20 out &&
	test "$(jq -r .type out | sort -u)" = frame &&
	test "$(jq -r .seq out | tr "\n" " ")" = \
		"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 " &&
	test "$(sed -n 1p out | jq -r .ts)" = "$START" &&
	test "$(sed -n 11p out | jq -r .ts)" = 2026-11-24T09:00:01.000Z &&
	test "$(jq -r "[.width, .height] | @tsv" out | sort -u)" = \
		"320${tab}240" &&
	test "$(jq -r .source out | sort -u)" = clip
'

test_expect_success 'the inline JPEG is the frame' '
	ft-capture --max-frames 1 --name door clip.mp4 >out &&
	test "$(jq -r .source out)" = door &&
	jq -r .jpeg out | base64 -d >f.jpg &&
	test "$(od -An -tx1 -N3 f.jpg | tr -d " ")" = ffd8ff &&
	test "$(ffprobe -v error -show_entries stream=width,height \
		-of csv=p=0 f.jpg)" = 320,240
'

test_expect_success '--fps, --duration, --max-frames and --size' '
	ft-capture --fps 5 --start-time "$START" clip.mp4 >out &&
	test_line_count = 10 out &&
	test "$(sed -n 2p out | jq -r .ts)" = 2026-11-24T09:00:00.200Z &&
	ft-capture --duration 1 clip.mp4 >out &&
	test_line_count = 10 out &&
	ft-capture --max-frames 3 clip.mp4 >out &&
	test_line_count = 3 out &&
	ft-capture --max-frames 2 --size 160x120 clip.mp4 >out &&
	test "$(jq -r "[.width, .height] | @tsv" out | sort -u)" = \
		"160${tab}120" &&
	jq -r .jpeg out | sed -n 1p | base64 -d >s.jpg &&
	test "$(ffprobe -v error -show_entries stream=width,height \
		-of csv=p=0 s.jpg)" = 160,120
'

test_expect_success '--spool writes JPEG files and records their paths' '
	mkdir spool &&
	ft-capture --spool spool --max-frames 4 clip.mp4 >out &&
	test_line_count = 4 out &&
	test "$(jq -r "has(\"jpeg\")" out | sort -u)" = false &&
	for p in $(jq -r .path out); do
		test -f "$p" &&
		test "$(od -An -tx1 -N2 "$p" | tr -d " ")" = ffd8 || exit 1
	done &&
	test "$(ls spool | wc -l)" -eq 4
'

test_expect_success 'a directory of images: one a second, or at --fps' '
	ft-capture --start-time "$START" pics >out &&
	test_line_count = 3 out &&
	test "$(jq -r .ts out | tr "\n" " ")" = "2026-11-24T09:00:00.000Z 2026-11-24T09:00:01.000Z 2026-11-24T09:00:02.000Z " &&
	ft-capture --start-time "$START" --fps 2 pics >out &&
	test "$(sed -n 3p out | jq -r .ts)" = 2026-11-24T09:00:01.000Z &&
	ft-capture pics/2.jpg >out &&
	test_line_count = 1 out &&
	test "$(jq -r .width out)" = 200
'

test_expect_success 'a bad image in a directory is reported and skipped' '
	cp -r pics bad && printf "not a jpeg" >bad/2.jpg &&
	ft-capture bad >out 2>err &&
	test_line_count = 2 out &&
	test_grep "cannot read .*bad/2.jpg" err
'

test_expect_success 'a source that cannot be opened fails with status 1' '
	test_exit_status 1 ft-capture nosuch.mp4 >out 2>err &&
	test_must_be_empty out &&
	test_grep "ft-capture: cannot open .nosuch.mp4.: No such file" err &&
	printf "garbage" >junk.mp4 &&
	test_exit_status 1 ft-capture junk.mp4 >out 2>err &&
	test_grep "cannot open .junk.mp4." err
'

test_expect_success 'a live stream that is away is retried, not fatal' '
	port=$(unused_port) &&
	ft-capture --duration 2.5 "http://127.0.0.1:$port/cam.mjpg" \
		>out 2>err &&
	test_must_be_empty out &&
	test "$(grep -c "retrying in" err)" -ge 2 &&
	test_grep "retrying in 1 s" err &&
	test_grep "retrying in 2 s" err
'

# serve_live PORT: live.mp4 as a live MPEG-TS stream over HTTP, to one
# client, at its own pace (a network camera's stream); the server's pid
# goes into server.pid.
serve_live() {
	ffmpeg -nostdin -v error -re -i live.mp4 -c:v mpeg4 -f mpegts \
		-listen 1 "http://127.0.0.1:$1/cam.ts" &
	echo $! >server.pid
	test_bg_pid $!
}

test_expect_success 'a live stream that drops is reopened and goes on' '
	ffmpeg -nostdin -v error -f lavfi \
		-i testsrc=size=320x240:rate=10:duration=60 -c:v mpeg4 \
		live.mp4 &&
	port=$(unused_port) &&
	serve_live $port &&
	: >live.out &&
	{ ft-capture --duration 10 "http://127.0.0.1:$port/cam.ts" \
		>live.out 2>live.err & } &&
	cap=$! &&
	test_bg_pid $cap &&
	i=0 &&
	while [ "$(wc -l <live.out)" -lt 10 ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done &&
	kill "$(cat server.pid)" &&
	i=0 &&
	while ! grep -q "reopening in" live.err && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done &&
	before=$(wc -l <live.out) &&
	test "$before" -ge 10 &&
	serve_live $port &&
	wait $cap &&
	test_grep "cam.ts.*reopening in 1 s" live.err &&
	test "$(wc -l <live.out)" -ge $((before + 10)) &&
	jq -r .seq live.out >seqs &&
	sort -n -u -c seqs &&
	jq -r .ts live.out >times &&
	sort -c times
'

test_expect_success 'usage errors exit 2' '
	test_exit_status 2 ft-capture --size 10 clip.mp4 2>err &&
	test_grep "bad --size" err &&
	test_exit_status 2 ft-capture --fps 0 clip.mp4 2>err &&
	test_exit_status 2 ft-capture --start-time nonsense clip.mp4 2>err &&
	test_exit_status 2 ft-capture a b 2>err &&
	ft-capture --help >out && test_grep "^usage: ft-capture" out
'

test_expect_success 'pipe edges: head ends it quietly, a full disk is an error' '
	ft-capture clip.mp4 2>err | head -1 >out &&
	test_line_count = 1 out &&
	test_must_be_empty err &&
	test_exit_status 1 ft-capture --max-frames 2 clip.mp4 \
		>/dev/full 2>err &&
	test_grep "write error" err
'

test_done
