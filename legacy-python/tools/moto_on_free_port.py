"""moto server on a loopback port the OS picks, announced on stdout.

Probing for a free port and handing its number to ``moto.server`` leaves a window in
which another process can take the port; on a busy CI machine that is a flaky test.
Here the socket is bound to port 0 first and served as it is, so the port this prints
(``PORT <n>``, one line, then nothing more on stdout) is already ours.
"""

from __future__ import annotations

import os
import socket
import sys


def main() -> int:
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((host, 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    # moto builds some URLs (queue URLs, presigned links) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from moto.server import MotoRequestHandler
    from werkzeug.serving import make_server

    application = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        host, port, application, threaded=True, request_handler=MotoRequestHandler, fd=listener.fileno()
    )
    print(f"PORT {port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
