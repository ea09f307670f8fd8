#!/usr/bin/env python3
"""Create-call latency with data-URL images (create-time decoding and checks).

Starts the release binary on a loopback port with a fresh data directory and
times `POST /v1/video_template_generation` for:
  * the largest accepted fixture (photo_coffee.png, 441 KB PNG), and
  * a generated JPEG just under the 20 MiB limit (a ~27 MP noise photo),
and reports min / median / max wall time per call. Accepted tasks render in
the background on one worker, as in production; the figure is the create
call alone (body upload, Base64, header checks, strict decode, storing).

Usage: cargo build --release && python3 scripts/bench-create.py [--runs N]
"""
import argparse, base64, io, json, os, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = "sk-api-bench"
TEMPLATE = "393881433990066176"  # Still rings: one image, no text


def big_jpeg():
    try:
        from PIL import Image
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pillow"])
        from PIL import Image
    w, h = 6000, 4500
    img = Image.frombytes("RGB", (w, h), os.urandom(w * h * 3))
    for q in (80, 70, 60, 50, 40):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=q)
        if buf.tell() < 20 * 1024 * 1024:
            return buf.getvalue(), f"{w}x{h} noise JPEG q{q}"
    raise SystemExit("could not make a JPEG under 20 MiB")


def start(data_dir):
    exe = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "videoagent")
    env = dict(os.environ, VIDEOAGENT_BOOTSTRAP_KEY=KEY, VIDEOAGENT_LOG="warn")
    p = subprocess.Popen([exe, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--workers", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    line = p.stdout.readline()
    assert line.startswith("videoagent listening on "), line
    return p, line.split()[-1]


def create(base, body):
    req = urllib.request.Request(base + "/v1/video_template_generation", data=body, method="POST",
                                 headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        out = json.load(r)
    dt = time.perf_counter() - t
    assert out["base_resp"]["status_code"] == 0, out
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    coffee = open(os.path.join(ROOT, "tests/fixtures/images/photo_coffee.png"), "rb").read()
    jpeg, jpeg_desc = big_jpeg()
    cases = [("photo_coffee.png (%d bytes)" % len(coffee), "image/png", coffee, args.runs),
             ("%s (%d bytes)" % (jpeg_desc, len(jpeg)), "image/jpeg", jpeg, max(3, args.runs // 2))]
    with tempfile.TemporaryDirectory() as d:
        proc, base = start(os.path.join(d, "data"))
        try:
            for name, mime, data, runs in cases:
                body = json.dumps({"template_id": TEMPLATE, "media_inputs": [
                    {"value": "data:%s;base64,%s" % (mime, base64.b64encode(data).decode())}]}).encode()
                times = [create(base, body) for _ in range(runs)]
                print("%-50s runs %2d  min %7.1f ms  median %7.1f ms  max %7.1f ms" % (
                    name, runs, min(times) * 1e3, statistics.median(times) * 1e3, max(times) * 1e3))
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
