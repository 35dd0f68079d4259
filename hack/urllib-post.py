#!/usr/bin/env python3
# Posts a JSON body of MIB mebibytes to URL with Python's urllib, a standard client that sends its
# whole body before it reads (the sidecar's 413 must reach it, not a broken pipe: issue 18), with
# `Authorization: Bearer $BEARER_TOKEN`. Prints the status it read, or the error it got instead.
# Used by the sidecar's LargeBodiesIT and the HTTP-servers benchmark's attack case (c).
# Usage: BEARER_TOKEN=... python3 hack/urllib-post.py URL MIB
import os
import sys
import urllib.error
import urllib.request

url, mebibytes = sys.argv[1], int(sys.argv[2])
size = mebibytes * 1024 * 1024
body = b'{"x":"' + b'a' * (size - 8) + b'"}'
request = urllib.request.Request(url, data=body, method='POST', headers={
    'Authorization': 'Bearer ' + os.environ['BEARER_TOKEN'],
    'Content-Type': 'application/json'})
try:
    print(urllib.request.urlopen(request, timeout=30).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:  # what the client saw instead of an answer, e.g. a broken pipe
    print(type(e).__name__ + ': ' + str(e))
