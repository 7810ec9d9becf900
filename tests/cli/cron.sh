# cron/: the wrapper maps costctl's exit codes for a scheduler (4 is a
# skip, 75 is retried, then passed on) and rotates its log a day at a
# time; the systemd timer catches up a missed night; the AWS templates are
# YAML whose every !Ref, !GetAtt and ${...} in a !Sub names a parameter, a
# resource or a pseudo parameter, and whose task roles grant no wildcard
# action or resource. (cfn-lint is not packaged for Debian 12.)
. "$(dirname "$0")/lib.inc"
top=$(cd "$(dirname "$0")/../.." && pwd)
wrapper=$top/cron/costctl-nightly
# a costctl that exits with the codes in codes.txt, one a call, and counts its calls
cat >fake <<'SH'
#!/bin/sh
n=$(($(cat calls 2>/dev/null || echo 0) + 1)); echo $n >calls
code=$(sed -n "${n}p" codes.txt); echo "{\"msg\":\"fake run $n: $*\"}"; exit "${code:-0}"
SH
chmod +x fake
run() {
	rm -f calls; printf '%s\n' "$@" >codes.txt
	COSTCTL=$PWD/fake COSTCTL_LOG_DIR=$PWD/log COSTCTL_RETRIES=2 COSTCTL_RETRY_WAIT=0 "$wrapper"
	echo "costctl exits $*: the wrapper exits $?, after $(cat calls) run(s)"
}
run 0
run 3
run 4
run 2
run 75 0
run 75 75 75
tail -n 1 log/nightly.log | grep -o 'fake run 3: --log-format json nightly'
grep -c 'another run holds the lock: skipped' log/nightly.log
# yesterday's log is rotated
touch -d '2 days ago' log/nightly.log
run 0 >/dev/null
[ -f log/nightly.log.1 ] && [ "$(wc -l <log/nightly.log)" = 1 ] && echo "rotated: yesterday's log is nightly.log.1"
# the systemd units
grep -h '^Persistent=\|^OnCalendar=\|^ExecStart=\|^RestartPreventExitStatus=\|^Type=' \
	"$top/cron/costctl-nightly.timer" "$top/cron/costctl-nightly.service"
# the AWS templates, and one that is wrong, to show the checks can fail
cat >bad.yaml <<'Y'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyDocument: { Statement: [{ Effect: Allow, Action: "*", Resource: !Sub "arn:${Nope}" }] }
  Thing:
    Type: AWS::ECS::Cluster
    Properties: { Name: !Ref Missing, Other: !GetAtt Gone.Arn }
Y
$PY - "$top"/cron/aws/*.yaml bad.yaml <<'PY'
import re, sys, yaml

class Tag:
    def __init__(self, tag, value): self.tag, self.value = tag, value

def construct(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode): v = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode): v = loader.construct_sequence(node, deep=True)
    else: v = loader.construct_mapping(node, deep=True)
    return Tag(suffix, v)

yaml.SafeLoader.add_multi_constructor("!", construct)
PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::URLSuffix"}

def walk(v, found):
    if isinstance(v, Tag):
        found.append(v)
        walk(v.value, found)
    elif isinstance(v, dict):
        for x in v.values(): walk(x, found)
    elif isinstance(v, list):
        for x in v: walk(x, found)

def wild(v):
    if isinstance(v, dict):
        return any(wild(x) for k, x in v.items() if k in ("Action", "Resource", "Statement", "PolicyDocument", "Policies")) \
            or (v.get("Effect") == "Allow" and (v.get("Action") == "*" or v.get("Resource") == "*"))
    if isinstance(v, list):
        return any(wild(x) for x in v)
    return False

for path in sys.argv[1:]:
    t = yaml.safe_load(open(path))
    names = set(t.get("Parameters", {})) | set(t["Resources"]) | PSEUDO
    tags = []
    walk(t["Resources"], tags)
    walk(t.get("Outputs", {}), tags)
    bad = []
    for tag in tags:
        if tag.tag == "Ref" and tag.value not in names: bad.append("!Ref " + tag.value)
        if tag.tag == "GetAtt" and tag.value.split(".")[0] not in t["Resources"]: bad.append("!GetAtt " + tag.value)
        if tag.tag == "Sub":
            for ref in re.findall(r"\$\{([^}!]+)\}", tag.value if isinstance(tag.value, str) else tag.value[0]):
                if ref.split(".")[0] not in names: bad.append("${%s}" % ref)
    roles = [r for r in t["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    print(path.split("/")[-1], "resources:", len(t["Resources"]), "references:", len(tags),
          "unresolved:", bad or "none", "wildcards in role policies:", any(wild(r["Properties"].get("Policies", [])) for r in roles))
PY
