#!/usr/bin/env bash
# Issue #18, item 4: the transfer experiment through the platform, as one submission. A rule meta-trained on Catch 5×5 from
# a random initialisation (the Catch-from-random recipe of docs/LEARNING.md, meta-seed 7, with meta-validation choosing
# the checkpoint) is frozen and trains fresh agents on Catch 5×5 (in distribution) and Catch 8×8 (out of it) for 30,000
# steps, seeds 1–3, beside Disco103, actor-critic and PPO with their Catch defaults.
# Usage: API=http://127.0.0.1:5400 KEY=<api key> scripts/experiments/transfer-pipeline.sh   (against scripts/run.sh)
# Resumable: a pipeline of the same name is followed instead of submitting a second one. When it has finished, the
# result table is written to docs/learning/transfer-pipeline.tsv and the pipeline's JSON to docs/learning/transfer-pipeline.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
API=${API:-http://127.0.0.1:5400}
KEY=${KEY:-$(cat .local/admin-api-key)}
NAME="Catch 5x5 from a random rule, evaluated on Catch 5x5 (in) and 8x8 (out)"
call() { curl -sf -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" "$@"; }

id=$(call "$API/api/pipelines" | /usr/bin/python3 -c 'import json,sys; n=sys.argv[1]; print(next((p["id"] for p in json.load(sys.stdin) if p["name"]==n), ""))' "$NAME")
if [ -z "$id" ]; then
  id=$(call -d @- "$API/api/pipelines" <<JSON | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
{
 "name": "$NAME",
 "metaTrain": {"envs": ["catch/5x5"], "init": "random", "steps": 600, "seed": 7,
   "hyperparameters": {"agents": 4, "net": "small", "batch": 16, "inner-lr": 0.01, "meta-lr": 0.003, "meta-grad-clip": 1e-4,
     "lifetime": 400, "target-kl-cost": 0, "checkpoint-every": 100, "validate-every": 200, "validation-agents": 1,
     "validation-steps": 30000, "threads": 1}},
 "evaluation": {"envs": ["catch/5x5", "catch/8x8"], "steps": 30000, "seeds": [1, 2, 3]}
}
JSON
  )
  echo "submitted pipeline $id"
fi
while true; do
  stage=$(call "$API/api/pipelines/$id" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["stage"])')
  echo "$(date -u +%T) pipeline $id: $stage"
  case "$stage" in finished|failed|cancelled) break ;; esac
  sleep 30
done
call "$API/api/pipelines/$id" > docs/learning/transfer-pipeline.json
/usr/bin/python3 - docs/learning/transfer-pipeline.json docs/learning/transfer-pipeline.tsv <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
f = lambda x: "" if x is None else f"{x:.3f}"
envs = [e["env"] + (" (in)" if e["inDistribution"] else " (out)") for e in p["environments"]]
rows = ["rule\t" + "\t".join(f"{e}: seeds\t{e}: mean\t{e}: normalised" for e in envs) + "\tIQM\t95% CI"]
for r in p["rules"]:
    cells = "\t".join(f"{' '.join(f(s) for s in c['scores'])}\t{f(c['mean'])}\t{f(c['meanNormalised'])}" for c in r["cells"])
    rows.append(f"{r['label']}\t{cells}\t{f(r['iqm'])}\t[{f(r['iqmLow'])}, {f(r['iqmHigh'])}]")
s = p.get("selectedRule") or {}
rows.append(f"# stage {p['stage']}; selected meta-step {s.get('metaStep')}, validation return {f(s.get('validationReturn'))}")
open(sys.argv[2], "w").write("\n".join(rows) + "\n")
print("\n".join(rows))
PY
