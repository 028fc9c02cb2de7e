#!/usr/bin/python3
"""Test fixture: a real RTSP server (GStreamer's gst-rtsp-server) on 127.0.0.1.

Usage: rtsp-server.py PORT MOUNT [WIDTH HEIGHT FPS]
Serves a live moving test pattern as RTP/JPEG at rtsp://127.0.0.1:PORT/MOUNT and prints "ready" once
listening. Every client shares one encoder. Stops on SIGTERM/SIGINT.
Run it with Debian's /usr/bin/python3 (python3-gi is installed for that one). Needs the Debian packages gir1.2-gst-rtsp-server-1.0, python3-gi and gstreamer1.0-plugins-good.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    port, mount = sys.argv[1], "/" + sys.argv[2].lstrip("/")
    width, height, fps = (sys.argv[3:6] + ["320", "240", "10"][len(sys.argv[3:6]):])[:3]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width={width},height={height},framerate={fps}/1 "
        "! jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print("ready", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
