#!/usr/bin/env bash
# Issue #17's measurements (docs/LEARNING.md, "What the rules ask"): inspect-rule on finished agents of the learning
# reports, one summary row per inspection in docs/learning/rule-inspector.tsv (reports in runs/inspections/).
# Needs the run folders those reports made (scripts/learning-report.sh, minatar-disco-1m.sh, meta-train-catch.sh).
#   CLI="dotnet /copy/Platform.Workers.dll"  runs a copied build (default: the Release build in the repo)
set -euo pipefail
cd "$(dirname "$0")/../.."
CLI=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}
OUT=runs/inspections; TSV=docs/learning/rule-inspector.tsv
mkdir -p "$OUT"
# name | checkpoint | rule (empty: the agent's own) | episodes
INSPECTIONS=(
  "catch8-disco103-s3|runs/catch-8x8-defaults/disco103-3||200"
  "catch8-disco103-s4|runs/catch-8x8-defaults/disco103-4||200"
  "catch8-disco103-s5|runs/catch-8x8-defaults/disco103-5||200"
  "catch8-actor-critic-s3|runs/catch-8x8-defaults/actor-critic-3||200"
  "catch8-actor-critic-s4|runs/catch-8x8-defaults/actor-critic-4||200"
  "catch8-actor-critic-s5|runs/catch-8x8-defaults/actor-critic-5||200"
  "breakout-disco103-1m-s1|runs/minatar-disco/minatar-breakout/fast-s1||64"
  "catch5-meta-from-random-s0|runs/meta/fresh-s0||200"
  "catch5-meta-from-random-s0-under-disco103|runs/meta/fresh-s0|disco103|200"
)
printf 'name\tagent_rule\trule\tsteps\tepisodes\tmean_return\tcorr_gae\tsign_gae\tcorr_q_adv\tsign_q_adv\ty_return_r2\ty_ends5_r2\ty_entropy_r2\tz_return_r2\tz_ends5_r2\tz_entropy_r2\n' > "$TSV"
for entry in "${INSPECTIONS[@]}"; do
  IFS='|' read -r name checkpoint rule episodes <<< "$entry"
  [ -d "$checkpoint" ] || { echo "skip $name: $checkpoint is missing" >&2; continue; }
  report="$OUT/$name.json"
  [ -f "$report" ] || $CLI inspect-rule --checkpoint "$checkpoint" ${rule:+--rule "$rule"} --episodes "$episodes" --seed 0 --out "$report" > /dev/null
  python3 - "$name" "$report" >> "$TSV" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
d = json.load(open(path)); s = d["summary"]
f = lambda x: "" if x is None else f"{x:.3f}"
p = s["probes"] or {}
probe = lambda src, k: f((p.get(src) or {}).get(k))
print("\t".join([name, d["agent_rule"].split("/")[-1], d["rule"].split("/")[-1], str(s["steps"]), str(s["complete_episodes"]), f(s["mean_return"]),
    f(s["correlation"].get("gae")), f(s["sign_agreement"].get("gae")), f(s["correlation"].get("q_advantage")), f(s["sign_agreement"].get("q_advantage")),
    probe("y", "discounted_return"), probe("y", "ends_within_5"), probe("y", "policy_entropy"),
    probe("z", "discounted_return"), probe("z", "ends_within_5"), probe("z", "policy_entropy")]))
PY
done
column -t -s $'\t' "$TSV"
