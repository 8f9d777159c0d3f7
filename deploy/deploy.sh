#!/usr/bin/env bash
# Deploys deploy/lectern.yaml. The scaling numbers come from ScalingPolicy through `lectern deploy parameters`
# (the template gives them no defaults); everything else is passed as Key=Value arguments.
#
#   deploy/deploy.sh STACK CertificateArn=arn:aws:acm:… PortalOrigin=https://portal.example.edu \
#                          JwksUrl=https://idp.example.edu/.well-known/jwks.json \
#                          JwtIssuer=https://idp.example.edu JwtAudience=lectern-api [ImageTag=…] [Key=Value…]
#
# ImageTag defaults to the current commit (the tag CI pushes both images with). DRY_RUN=1 prints the aws command
# instead of running it. LECTERN=path picks the lectern binary (default: build the release one).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
template="$root/deploy/lectern.yaml"
stack=${1:?usage: deploy/deploy.sh STACK Key=Value...}
shift

# Scaling numbers have one home; an override here would silently fork them from the local worker pool.
for argument in "$@"; do
  case "$argument" in
    TargetBacklogPerTask=*|ScaleOutCooldownSeconds=*|ScaleInCooldownSeconds=*)
      echo "deploy.sh: ${argument%%=*} comes from ScalingPolicy (Sources/LecternCore/ScalingPolicy.swift); change it there" >&2
      exit 2 ;;
  esac
done

lectern=${LECTERN:-"$root/.build/release/lectern"}
if [[ ! -x $lectern ]]; then
  (cd "$root" && swift build -c release --product lectern >&2)
fi
scaling_text=$("$lectern" deploy parameters)
mapfile -t scaling <<<"$scaling_text"

overrides=("${scaling[@]}")
if [[ " $* " != *" ImageTag="* ]]; then
  overrides+=("ImageTag=$(git -C "$root" rev-parse --short=12 HEAD)")
fi
overrides+=("$@")

command=(aws cloudformation deploy
  --stack-name "$stack"
  --template-file "$template"
  --capabilities CAPABILITY_IAM
  --no-fail-on-empty-changeset
  --parameter-overrides "${overrides[@]}")

if [[ ${DRY_RUN:-0} == 1 ]]; then
  printf '%q ' "${command[@]}"
  echo
  exit 0
fi
if command -v cfn-lint >/dev/null 2>&1; then
  cfn-lint "$template"
fi
"${command[@]}"
