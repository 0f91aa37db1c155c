# The handler: what it prints on stdout is the response; stderr goes to the log.
handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2
  echo "{\"echo\": $EVENT_DATA}"
}
