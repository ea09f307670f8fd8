#!/usr/bin/env python3
"""Render speed against ffmpeg (the render-engine issue's benchmark).

Cases at 25 fps from photo_astronaut.jpg with the text "Lion" (or a text of
their own):
  (a) scripts/bench/simple_photo.json: backdrop, slow zoom, caption (150 frames)
  (b) scripts/bench/run_for_life_v2.json: Run for Life as it was before the
      scene toolkit (the photo in a frame), frozen as the engine-efficiency
      case (150 frames)
  (c) the scene templates, each at its own length: Run for Life, Diving,
      Four Seasons (720x1280), Helpless Moments, E-commerce Display Ad
      (their per-frame cost includes the subject cut-out, as a task's does:
      `--cutout-cache` points at an empty directory every run)
  ffmpeg: the simple job done idiomatically (zoompan + drawtext + libx264
          -preset veryfast), installed only as the comparison.
Each videoagent case also runs with `--lanes 1` ("/1 lane"): one encoder,
the other core composing frames ahead for it, which shows composition
hidden behind encoding when a core is spare (the default, two encoders,
keeps both cores encoding).

For each videoagent case: the whole `videoagent render` process (start-up,
fonts, decoding, composition, H.264, Opus soundtrack, muxing), median wall,
CPU time (user + sys) and peak RSS over the runs; then `render --stages`:
compose ms/frame (frames side by side on all cores) and the encoder's own
ms/frame for the same frames (its lanes side by side, as in a render), and
wall / encoder time. For (a) also SSIM of the MP4 against the lossless
frames (ffmpeg's ssim filter on the Y4M written by --stages --y4m).

Every run is interleaved with the others, the stage runs too, so that
noise from other load hits all alike, and wall / encoder time is the
median of each round's own ratio. Last, each case's ratio to ffmpeg round
by round (median and range) and best against best: on a machine whose
speed drifts, these show how far the median's ratio can be trusted.

Usage: scripts/bench-render.py [runs]     (default 5)
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
FRAMES = 150


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def ensure_tools():
    missing = [t for t in ("ffmpeg", "nasm") if shutil.which(t) is None]
    if missing:
        sh(["apt-get", "update", "-qq"])
        sh(["apt-get", "install", "-y", "-qq", *missing], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def timed(cmd):
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + sys) of one process, via GNU time."""
    with tempfile.NamedTemporaryFile() as t:
        sh(["/usr/bin/time", "-f", "%e %M %U %S", "-o", t.name, *cmd], stdout=subprocess.DEVNULL,
           stderr=subprocess.DEVNULL)
        secs, rss, user, system = open(t.name).read().split()
        return float(secs), int(rss), float(user) + float(system)


def main():
    ensure_tools()
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binary = os.path.join(target, "release", "videoagent")
    photo = os.path.join(ROOT, "tests/fixtures/images/photo_astronaut.jpg")
    font = os.path.join(ROOT, "assets/fonts/DejaVuSans-Bold.ttf")
    out = tempfile.mkdtemp()

    def mp4_path(name):
        return os.path.join(out, name.replace("/", "_").replace(" ", "_") + ".mp4")

    bench = lambda name: os.path.join(ROOT, "scripts/bench", name)
    # name -> (template, frames, text); every case takes the photo.
    templates = {
        "simple_photo": (bench("simple_photo.json"), 150, "Lion"),
        "run_for_life_v2": (bench("run_for_life_v2.json"), 150, "Lion"),
    }
    scenes = {
        "run_for_life": ("393769180141805569", 200, "Lion"),
        "diving": ("392747428568649728", 175, None),
        "four_seasons": ("398574688191234048", 200, None),
        "helpless": ("394125185182695432", 175, "a cat writing its weekly report"),
        "ecommerce": ("393853165953970178", 150, "stainless steel water bottle, 750 ml, forest green"),
    }
    # name -> (template, frames, text, lanes): the default two lanes, then
    # one for the engine cases; the scene templates with two.
    cases = {name: (*t, 2) for name, t in templates.items()}
    cases.update({f"{name}/1 lane": (*t, 1) for name, t in templates.items()})
    cases.update({name: (*t, 2) for name, t in scenes.items()})
    frames_of = {name: c[1] for name, c in cases.items()}
    frames_of["ffmpeg"] = FRAMES
    no_photo = {"helpless"}

    def render(case, mp4, *extra):
        template, _, text, lanes = cases[case]
        cmd = [binary, "render", "--template", template, "--lanes", str(lanes), "-o", mp4,
               "--cutout-cache", tempfile.mkdtemp()]
        if case not in no_photo:
            cmd += ["--image", photo]
        if text:
            cmd += ["--text", text]
        return [*cmd, *extra]

    ffmpeg = ["ffmpeg", "-y", "-loop", "1", "-framerate", "25", "-i", photo, "-vf",
              f"zoompan=z='min(zoom+0.0007,1.1)':d={FRAMES}:s=1280x720:fps=25,drawtext=fontfile={font}:"
              "text='Lion':fontsize=54:fontcolor=white:x=(w-text_w)/2:y=h-110",
              "-frames:v", str(FRAMES), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
              os.path.join(out, "ff.mp4")]
    walls = {name: [] for name in [*cases, "ffmpeg"]}
    cpus = {name: [] for name in walls}
    rss = {name: 0 for name in walls}
    compose = {name: [] for name in cases if name not in scenes}
    encode = {name: [] for name in cases if name not in scenes}
    # Interleaved, the stage runs too: noise from other load hits every case
    # alike, and wall / encoder time compares runs made seconds apart.
    for i in range(RUNS):
        for name in cases:
            secs, kib, cpu = timed(render(name, mp4_path(name)))
            walls[name].append(secs)
            cpus[name].append(cpu)
            rss[name] = max(rss[name], kib)
        secs, kib, cpu = timed(ffmpeg)
        walls["ffmpeg"].append(secs)
        cpus["ffmpeg"].append(cpu)
        rss["ffmpeg"] = max(rss["ffmpeg"], kib)
        for name in cases:
            if name in scenes:
                continue  # (whole renders only: their cut-out is part of the cost)
            extra = ["--stages"] + (["--y4m", os.path.join(out, "a.y4m")] if name == "simple_photo" and i == 0 else [])
            words = sh(render(name, os.path.join(out, "stages.mp4" if name != "simple_photo" else "a_stages.mp4"),
                              *extra),
                       capture_output=True, text=True).stdout.split()
            compose[name].append(float(words[3]))
            encode[name].append(float(words[5]))

    ssim = sh(["ffmpeg", "-i", os.path.join(out, "a_stages.mp4"), "-i", os.path.join(out, "a.y4m"),
               "-lavfi", "[0:v]settb=1/25,setpts=N[a];[1:v]settb=1/25,setpts=N[b];[a][b]ssim", "-f", "null", "-"],
              capture_output=True, text=True).stderr
    ssim_all = float(ssim.rsplit("All:", 1)[1].split()[0])

    ff = statistics.median(walls["ffmpeg"])
    print(f"{RUNS} runs each, interleaved; medians (wall/enc: of each round's ratio). "
          f"{FRAMES} frames of 1280x720 at 25 fps.")
    print(f"{'case':<20} {'wall s':>7} {'ms/frame':>9} {'vs ffmpeg':>10} {'cpu s':>6} {'RSS MB':>7} "
          f"{'file bytes':>11} {'compose':>8} {'encode':>7} {'wall/enc':>8}")
    for name in [*cases, "ffmpeg"]:
        wall = statistics.median(walls[name])
        mp4 = os.path.join(out, "ff.mp4") if name == "ffmpeg" else mp4_path(name)
        cpu = statistics.median(cpus[name])
        frames = frames_of[name]
        # Per frame against ffmpeg's per frame (the cases differ in length).
        ratio = (ff / FRAMES) / (wall / frames)
        line = (f"{name:<20} {wall:7.2f} {wall * 1000 / frames:9.2f} {ratio:9.2f}x {cpu:6.2f} "
                f"{rss[name] // 1024:7d} {os.path.getsize(mp4):11d}")
        if name in compose and compose[name]:
            per_round = statistics.median(w * 1000 / FRAMES / e for w, e in zip(walls[name], encode[name]))
            line += (f" {statistics.median(compose[name]):8.2f} {statistics.median(encode[name]):7.2f}"
                     f" {per_round:8.2f}")
        print(line)
    # Each round ran every case within a few seconds: its own ratio is less
    # exposed to the machine's minute-to-minute drift than the ratio of medians.
    for name in cases:
        # Per frame, round by round.
        k = frames_of[name] / FRAMES
        rounds = sorted(f * k / w for f, w in zip(walls["ffmpeg"], walls[name]))
        print(f"{name}: vs ffmpeg per round: median {statistics.median(rounds):.2f}x, "
              f"range {rounds[0]:.2f}x to {rounds[-1]:.2f}x; best against best "
              f"{min(walls['ffmpeg']) * k / min(walls[name]):.2f}x")
    print(f"SSIM (a) MP4 vs lossless frames: {ssim_all:.4f}")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
