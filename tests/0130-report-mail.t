#!/bin/sh
# ft-report --email: the report goes through a real SMTP server on
# loopback (aiosmtpd, tests/peers/smtp-server.py) with STARTTLS, implicit
# TLS or none, and a login.  Each received message is parsed with
# Python's email package: headers, the figures of the body (checked
# against ft-query), the chart, and the attachment, which must equal the
# CSV on disk.  Failures (refused connection, rejected login, a refused
# recipient, no STARTTLS, an untrusted certificate, a name that does not
# resolve) exit 75 and leave the CSV in place.
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$TEST_DIR/key.pem" -out "$TEST_DIR/cert.pem" 2>/dev/null || {
	echo "Bail out! cannot make a test certificate with openssl"
	exit 1
}

PEM=$TEST_DIR/cert.pem,$TEST_DIR/key.pem
smtp_start starttls --auth ft:pa55word --starttls "$PEM" \
	--reject-rcpt nobody@example.org
smtp_start tls --auth ft:pa55word --tls "$PEM"
smtp_start plain
STARTTLS_PORT=$(cat "$TEST_DIR/starttls.port")
TLS_PORT=$(cat "$TEST_DIR/tls.port")
PLAIN_PORT=$(cat "$TEST_DIR/plain.port")

# The default server: STARTTLS (SMTP_TLS unset), a login, our CA.
SMTP_SERVER=localhost
SMTP_PORT=$STARTTLS_PORT
SMTP_USER=ft
SMTP_PASSWORD=pa55word
SMTP_CA_FILE=$TEST_DIR/cert.pem
SMTP_FROM="FaceTrack Reports <reports@shop.example>"
export SMTP_SERVER SMTP_PORT SMTP_USER SMTP_PASSWORD SMTP_CA_FILE SMTP_FROM

# parse EML: the message as one JSON object: decoded headers, the parts
# (content type, disposition, file name, SHA-256 and first bytes of the
# decoded content) and the text of the text/plain part.
parse() {
	"$SMTP_PY" - "$1" <<'EOF'
import email, email.policy, hashlib, json, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
out = {k: str(m[k]) for k in ("From", "To", "Subject", "Date",
                              "Message-ID", "MIME-Version")}
out["content_type"] = m.get_content_type()
out["defects"] = [str(d) for p in m.walk() for d in p.defects]
out["parts"] = []
for p in m.walk():
    if p.is_multipart():
        continue
    data = p.get_payload(decode=True)
    out["parts"].append({
        "type": p.get_content_type(),
        "disposition": p.get_content_disposition(),
        "filename": p.get_filename(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "head": data[:8].hex()})
    if p.get_content_type() == "text/plain":
        out["text"] = p.get_content()
print(json.dumps(out, ensure_ascii=False))
EOF
}

sha() {
	sha256sum "$1" | cut -d" " -f1
}

seed_demo --customers 300 --visits 3000 --days 30 --seed 42 >/dev/null
VISITS=$(ft-query visits --since 2026-11-16 --until 2026-11-22 | wc -l |
	tr -d ' ')
VISITORS=$(ft-query visits --since 2026-11-16 --until 2026-11-22 |
	jq -r .customer | sort -u | wc -l | tr -d ' ')
NEW=$(ft-query customers --since 2026-11-16 --until 2026-11-22 | wc -l |
	tr -d ' ')

test_expect_success 'STARTTLS and a login: the mail arrives whole' '
	ft-report --last-week --email "Zoë Ødegård <admin@example.com>, boss@example.org" \
		>out 2>err &&
	test_must_be_empty err &&
	csv=./reports/visits-2026-11-16_2026-11-22.csv &&
	echo "$csv" >want && test_cmp want out &&
	m=$TEST_DIR/starttls &&
	test "$(ls "$m" | grep -c "\.eml$")" = 1 &&
	test "$(jq -c "[.tls, .auth_user, .mail_from, .rcpt_to]" "$m/1.json")" = \
		"[true,\"ft\",\"reports@shop.example\",[\"admin@example.com\",\"boss@example.org\"]]" &&
	parse "$m/1.eml" >msg.json &&
	test "$(jq -c .defects msg.json)" = "[]" &&
	test "$(jq -r .Subject msg.json)" = \
		"FaceTrack report 2026-11-16 to 2026-11-22: $VISITS visits" &&
	test "$(jq -r .To msg.json)" = \
		"Zoë Ødegård <admin@example.com>, boss@example.org" &&
	test "$(jq -r .From msg.json)" = \
		"FaceTrack Reports <reports@shop.example>" &&
	test "$(jq -r .Date msg.json)" = "Tue, 24 Nov 2026 12:00:00 +0000" &&
	test "$(jq -r .content_type msg.json)" = multipart/mixed &&
	jq -r ".[\"Message-ID\"]" msg.json >msgid &&
	test_grep "^<visits\.2026-11-16\.2026-11-22\.[0-9a-f]*@example\.com>$" msgid &&
	test "$(jq -r ".parts | map(.type) | join(\" \")" msg.json)" = \
		"text/plain image/png text/csv"
'

test_expect_success 'the attachment is the CSV on disk; the chart a PNG' '
	jq -c ".parts[2] | [.disposition, .filename, .sha256]" msg.json >got &&
	echo "[\"attachment\",\"visits-2026-11-16_2026-11-22.csv\",\"$(sha reports/visits-2026-11-16_2026-11-22.csv)\"]" \
		>want &&
	test_cmp want got &&
	test "$(jq -r ".parts[1] | [.disposition, .filename, .head] | join(\" \")" msg.json)" = \
		"inline visits-per-day-2026-11-16_2026-11-22.png 89504e470d0a1a0a" &&
	csv_decode reports/visits-2026-11-16_2026-11-22.csv >rows &&
	test_grep -F "芳" rows
'

test_expect_success 'the body states the figures of ft-query' '
	jq -r .text msg.json >body &&
	test_grep "^FaceTrack visit report for 2026-11-16 to 2026-11-22 (7 days" body &&
	test_grep "^Visits: $VISITS$" body &&
	test_grep "^Customers who visited: $VISITORS$" body &&
	test_grep "^New customers: $NEW$" body &&
	sed -n "s/^  [1-5]\. \(.*\): \([0-9]*\) visits*$/\1\t\2/p" body >got &&
	ft-query top --limit 5 --since 2026-11-16 --until 2026-11-22 |
		jq -r "[.name, .visits_in_range] | @tsv" >want &&
	test_line_count = 5 want &&
	test_cmp want got &&
	ft-query trend --days 9 | jq -r "select(.name == \"visits_per_day\") |
		.points[] | select(.[0] >= \"2026-11-16\" and .[0] <= \"2026-11-22\") |
		\"\(.[1]) \(.[0])\"" | sort -rn | head -1 >best &&
	test_grep "^Busiest day: $(cut -d" " -f2 best), $(cut -d" " -f1 best) visits$" body &&
	test_grep "lists the $VISITS visits" body
'

test_expect_success 'the same report mailed again has the same Message-ID' '
	ft-report --last-week --email admin@example.com >/dev/null &&
	parse "$TEST_DIR/starttls/2.eml" >msg2.json &&
	jq -r ".[\"Message-ID\"]" msg2.json >msgid2 &&
	test -s msgid2 &&
	test_cmp msgid msgid2
'

test_expect_success '--summary, to ADMIN_EMAIL, over implicit TLS' '
	ADMIN_EMAIL=owner@example.com SMTP_TLS=tls SMTP_PORT=$TLS_PORT \
		ft-report --summary --yesterday --email >out &&
	echo ./reports/summary-2026-11-23.csv >want && test_cmp want out &&
	m=$TEST_DIR/tls &&
	test "$(jq -c "[.tls, .auth_user, .rcpt_to]" "$m/1.json")" = \
		"[true,\"ft\",[\"owner@example.com\"]]" &&
	parse "$m/1.eml" >s.json &&
	test "$(jq -r .Subject s.json)" = \
		"FaceTrack summary 2026-11-23: $(ft-query visits --since 2026-11-23 --until 2026-11-23 | wc -l | tr -d " ") visits" &&
	test "$(jq -r ".parts[-1] | [.filename, .sha256] | join(\" \")" s.json)" = \
		"summary-2026-11-23.csv $(sha reports/summary-2026-11-23.csv)" &&
	test "$(jq -r ".parts[1].filename" s.json)" = \
		visits-per-hour-2026-11-23.png &&
	jq -r .text s.json >body &&
	n=$(($(wc -l <reports/summary-2026-11-23.csv) - 1)) &&
	test_grep "lists the $n customers who visited" body
'

test_expect_success 'an empty range: the mail says so, header-only CSV' '
	SMTP_TLS=none SMTP_PORT=$PLAIN_PORT SMTP_USER= \
		ft-report --from 2025-01-01 --to 2025-01-07 \
		--email admin@example.com >out &&
	m=$TEST_DIR/plain &&
	test "$(jq -c "[.tls, .auth_user]" "$m/1.json")" = "[false,null]" &&
	parse "$m/1.eml" >e.json &&
	test "$(jq -r .Subject e.json)" = \
		"FaceTrack report 2025-01-01 to 2025-01-07: no visits" &&
	test "$(jq -r ".parts | map(.type) | join(\" \")" e.json)" = \
		"text/plain text/csv" &&
	test "$(jq -r ".parts[1].sha256" e.json)" = \
		"$(sha reports/visits-2025-01-01_2025-01-07.csv)" &&
	jq -r .text e.json >body &&
	test_grep "^There were no visits in this period\.$" body &&
	test_grep "it holds only its header row" body &&
	test_line_count = 1 reports/visits-2025-01-01_2025-01-07.csv
'

# mail_fails NAME: ft-report --yesterday --email exits 75, prints the
# CSV's path, leaves the CSV, and says why (in NAME.err).
mail_fails() {
	rm -f reports/visits-2026-11-23.csv &&
	test_exit_status 75 ft-report --yesterday --email admin@example.com \
		>"$1.out" 2>"$1.err" &&
	echo ./reports/visits-2026-11-23.csv >"$1.want" &&
	test_cmp "$1.want" "$1.out" &&
	test -s reports/visits-2026-11-23.csv &&
	test_grep "^ft-report: cannot mail .\./reports/visits-2026-11-23\.csv.: " \
		"$1.err"
}

test_expect_success 'a refused connection: exit 75, the CSV stays' '
	SMTP_PORT=$(unused_port) mail_fails refused &&
	test_grep "cannot connect to mail server .localhost:[0-9]*.: Connection refused" \
		refused.err
'

test_expect_success 'a rejected login: exit 75, no password shown' '
	n=$(ls "$TEST_DIR/starttls" | grep -c "\.eml$") &&
	SMTP_PASSWORD=wrong-pa55 mail_fails login &&
	test_grep "refused the login of .ft. (authentication failed" login.err &&
	test_grep_not "wrong-pa55" login.err &&
	test "$(ls "$TEST_DIR/starttls" | grep -c "\.eml$")" = "$n"
'

test_expect_success 'a refused recipient: nobody gets the mail' '
	n=$(ls "$TEST_DIR/starttls" | grep -c "\.eml$") &&
	rm -f reports/visits-2026-11-23.csv &&
	test_exit_status 75 ft-report --yesterday \
		--email "admin@example.com, nobody@example.org" >out 2>err &&
	test -s reports/visits-2026-11-23.csv &&
	test_grep "refused the mail (SMTP 550)" err &&
	test "$(ls "$TEST_DIR/starttls" | grep -c "\.eml$")" = "$n"
'

test_expect_success 'STARTTLS required but not offered: exit 75' '
	SMTP_PORT=$PLAIN_PORT mail_fails nostarttls &&
	test_grep "does not offer STARTTLS" nostarttls.err
'

test_expect_success 'a certificate nobody vouches for: exit 75' '
	SMTP_CA_FILE= mail_fails untrusted &&
	test_grep "TLS with mail server .localhost:$STARTTLS_PORT. failed" \
		untrusted.err
'

test_expect_success 'a name that does not resolve: exit 75' '
	SMTP_SERVER=mail.facetrack.invalid mail_fails dns &&
	test_grep "cannot resolve mail server .mail.facetrack.invalid." dns.err
'

test_expect_success 'mail settings and addresses are checked before any work' '
	test_exit_status 1 env SMTP_SERVER= ft-report --dir early --yesterday \
		--email admin@example.com >out 2>err &&
	test_grep "SMTP_SERVER is not set" err &&
	test_exit_status 1 env SMTP_TLS=maybe ft-report --dir early \
		--yesterday --email admin@example.com >out 2>err &&
	test_grep "bad SMTP_TLS: .maybe." err &&
	test_exit_status 2 ft-report --dir early --yesterday --email \
		"not an address" >out 2>err &&
	test_grep "not an e-mail address" err &&
	test_exit_status 2 ft-report --dir early --yesterday --email \
		>out 2>err &&
	test_grep "ADMIN_EMAIL" err &&
	test ! -e early
'

test_done
