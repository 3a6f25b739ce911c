#!/bin/sh
# lib/face on photos of ../shared/data (one box a photo, the same person
# closer than two people, models listed with their hashes and terms, bad
# model files refused) and the converted descriptor model against
# face-api itself in Node (every component within 1e-3): tests/face/run.sh.
# Skipped, with the reason, when ../shared/data is absent.
exec sh "$(dirname "$0")/face/run.sh"
