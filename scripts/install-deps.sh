#!/usr/bin/env bash
# Installs what Lectern needs on a fresh Debian 12 machine, and only what is missing.
set -euo pipefail

apt_packages=(
  libcurl4-openssl-dev libssl-dev pkg-config curl  # curl: make run waits on moto and the API with it
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  ffmpeg
  chromium chromium-driver  # the portal's browser tests (selenium drives them headless)
  wrk
  libsqlite3-dev  # SearchIndex: per-course FTS5 index (Debian's SQLite is built with FTS5)
  libtesseract-dev tesseract-ocr-eng  # slide text (issue #16): Transcoder's CTesseract; other languages: tesseract-ocr-<code>
  fonts-dejavu-core  # ffmpeg drawtext in the slide tests draws known text with DejaVu Sans
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  sudo_cmd=""; [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
fi

python_missing=()
python_nodeps=()
# moto 5.2.5 or later: earlier ones ignore a presigned GET's response-content-disposition (getmoto/moto#10057), so the
# portal's download scenario could not check the saved file's name.
python3 -c 'import moto.server, moto; assert tuple(int(p) for p in moto.__version__.split(".")[:3]) >= (5, 2, 5)' 2>/dev/null \
  || python_missing+=('moto[server]>=5.2.5')
python3 -c 'import boto3' 2>/dev/null || python_missing+=(boto3)
python3 -c 'import m3u8' 2>/dev/null || python_missing+=(m3u8)
command -v moto_server >/dev/null 2>&1 || python_missing+=('moto[server]>=5.2.5')
command -v cfn-lint >/dev/null 2>&1 || python_missing+=(cfn-lint)
python3 -c 'import selenium' 2>/dev/null || python_missing+=(selenium)
# axe-core 4.x for the portal's accessibility audit: only the wheel's axe.min.js is used, so not its playwright dependency.
python3 -c 'import importlib.util as u; assert u.find_spec("axe_playwright_python")' 2>/dev/null || python_nodeps+=(axe-playwright-python)
# The API's contract test (schemathesis) and its benchmark peer (Flask + boto3 under gunicorn, PyJWT).
command -v schemathesis >/dev/null 2>&1 || python_missing+=(schemathesis)
python3 -c 'import flask' 2>/dev/null || python_missing+=(flask)
python3 -c 'import gunicorn' 2>/dev/null || python_missing+=(gunicorn)
python3 -c 'import jwt' 2>/dev/null || python_missing+=(PyJWT)
if ((${#python_missing[@]})); then
  echo "install-deps: pip install ${python_missing[*]}"
  python3 -m pip install -q "${python_missing[@]}"
fi
if ((${#python_nodeps[@]})); then
  echo "install-deps: pip install --no-deps ${python_nodeps[*]}"
  python3 -m pip install -q --no-deps "${python_nodeps[@]}"
fi
