# A damaged manifest is named, with what to do; nothing is downloaded.
mkdir -p state && printf '{"formatVersion":1,"files":[{"offer":' >state/fetch-manifest.json
"$COSTCTL" --state state fetch --base-url "file://$FIXTURES/pricelist"
rc=$?
[ -d state/offers ] || echo "nothing fetched"
exit $rc
