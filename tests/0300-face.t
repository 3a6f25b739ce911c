#!/bin/sh
# lib/face on photos of ../shared/data (one box a photo, the same person
# closer than two people, models listed with their hashes and terms, bad
# model files refused) and the converted descriptor model against
# face-api itself in Node (every component within 1e-3): tests/face/run.sh.
# Without ../shared/data, on the fallback set cut from face-api's demo
# photos (tests/face/fallback-faces), whose pairs are edits of one
# photo: the checks that need two photos of one person are skipped or
# made against another person's.  Skipped, with the reason, when neither
# can be had.
exec sh "$(dirname "$0")/face/run.sh"
