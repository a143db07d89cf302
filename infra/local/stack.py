"""The whole system on one machine, in one process: what ``make run`` starts.

``LocalStack`` starts, in this order: moto's server (AWS), the Mailchimp stand-in, the
resources of ``infra/template.json`` in moto (``provision``), the functions' environment,
the Chalice app on a local HTTP server, the queue pump, the scheduler and the control
console; then it seeds demo data and writes ``<state dir>/stack.json`` and
``tokens.json``. ``stop()`` undoes it all in reverse order. All data lives in memory:
nothing survives a stop.

Usable from tests as a context manager (``with LocalStack(api_port=0, ...) as stack:``),
though the end-to-end tests run ``python -m infra.local`` as a subprocess.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import secrets
import socket
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, MutableMapping, Optional

from infra.local import provision as provisioning

ROOT = provisioning.ROOT
REGION = "eu-west-1"
STAGE = "local"
DEFAULT_API_PORT = 8000
DEFAULT_CONSOLE_PORT = 8025
LIST_ID = "bij1denhaag"
MAILCHIMP_SERVER = "us21"
# Pages worth a click in the banner, shown when the app has the route.
FORM_PATHS = ("/nieuwsbrief/aanmelden", "/meldpunt", "/kalender", "/kalender/op-afspraak", "/beheer")
# Loggers that would print client addresses or request lines (privacy rule: no IP addresses).
QUIET_LOGGERS = {"werkzeug": logging.ERROR, "moto": logging.WARNING, "botocore": logging.WARNING,
                 "boto3": logging.WARNING, "urllib3": logging.WARNING}


class StackError(RuntimeError):
    """The local stack cannot start (port taken, another stack running, ...)."""


def state_dir_from(environ: MutableMapping[str, str]) -> Path:
    return Path(environ.get("LOCAL_STATE_DIR") or ROOT / ".local")


def quiet_request_logs() -> None:
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


class LocalStack:
    def __init__(self, *, host: str = "127.0.0.1", api_port: int = DEFAULT_API_PORT,
                 console_port: int = DEFAULT_CONSOLE_PORT, state_dir: Optional[Path] = None,
                 project_dir: Path = ROOT, environ: Optional[MutableMapping[str, str]] = None,
                 out: Optional[Callable[[str], None]] = None, retry_visibility: int = 2,
                 poll_wait_seconds: int = 1, standin_factory: Optional[Callable[..., Any]] = None):
        self.host = host
        self.api_port = api_port
        self.console_port = console_port
        self.environ = os.environ if environ is None else environ
        self.state_dir = Path(state_dir) if state_dir else state_dir_from(self.environ)
        self.project_dir = Path(project_dir)
        self.retry_visibility = retry_visibility
        self.poll_wait_seconds = poll_wait_seconds
        self._standin_factory = standin_factory
        self._out_lock = threading.Lock()
        self._out = out or self._print
        self._saved_env: dict[str, Optional[str]] = {}
        self._started = False
        # filled in by start()
        self.moto: Any = None
        self.moto_endpoint = ""
        self.standin: Any = None
        self.template: dict[str, Any] = {}
        self.physical: dict[str, str] = {}
        self.function_env: dict[str, str] = {}
        self.app: Any = None
        self.api_server: Any = None
        self._api_thread: Optional[threading.Thread] = None
        self.api_url = ""
        self.pump: Any = None
        self.scheduler: Any = None
        self.console: Any = None
        self.tokens: dict[str, str] = {}
        self._sqs: Any = None
        self.config: Any = None
        self._provisioned_env: dict[str, str] = {}
        self._reserved: dict[str, socket.socket] = {}

    @classmethod
    def from_environ(cls, environ: Optional[MutableMapping[str, str]] = None, **kwargs: Any) -> "LocalStack":
        """PORT, CONSOLE_PORT (0 = any free port) and LOCAL_STATE_DIR from the environment."""
        environ = os.environ if environ is None else environ

        def port(name: str, default: int) -> int:
            raw = (environ.get(name) or "").strip()
            try:
                value = int(raw) if raw else default
            except ValueError:
                raise StackError(f"{name}={raw!r} is not a port number") from None
            if not 0 <= value <= 65535:
                raise StackError(f"{name}={value} is not a port number")
            return value

        return cls(api_port=port("PORT", DEFAULT_API_PORT),
                   console_port=port("CONSOLE_PORT", DEFAULT_CONSOLE_PORT), environ=environ, **kwargs)

    # --- context manager -------------------------------------------------------------

    def __enter__(self) -> "LocalStack":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def stack_file(self) -> Path:
        return self.state_dir / "stack.json"

    @property
    def tokens_file(self) -> Path:
        return self.state_dir / "tokens.json"

    @property
    def console_url(self) -> str:
        return self.console.url if self.console else ""

    # --- start -------------------------------------------------------------------------

    def start(self) -> None:
        if self._started:
            raise StackError("already started")
        self._started = True
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self._refuse_a_second_stack()
        self._reserve_ports()
        quiet_request_logs()
        original_env = dict(self.environ)
        self._start_moto()
        self._start_standin()
        self._provision()
        self._set_function_environment(original_env)
        self._seed_ssm()
        self._seed_ses()
        self._start_api()
        self._make_pump_and_scheduler()
        self._start_console()  # binds before the pump's threads open any connection
        self.pump.start()
        self.scheduler.start()
        self._seed_demo()
        self._write_state()
        self._banner()

    def _refuse_a_second_stack(self) -> None:
        try:
            running = json.loads(self.stack_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        pid = running.get("pid")
        if isinstance(pid, int) and pid != os.getpid() and _alive(pid):
            raise StackError(f"another local stack (pid {pid}) is running with state in {self.state_dir}; "
                             "stop it first, or set LOCAL_STATE_DIR")

    def _reserve_ports(self) -> None:
        """Hold the asked-for API and console ports from the first moment.

        Starting moto and provisioning open many client connections; the kernel gives each an
        ephemeral port, and an asked-for port in that range (as tests ask for) could be taken by
        one of them before its server binds. A listening socket keeps the port out of that pool
        until ``_release`` hands it to the server, and a taken port fails fast, before moto.
        """
        for name, port, variable in (("API", self.api_port, "PORT"),
                                     ("console", self.console_port, "CONSOLE_PORT")):
            if port == 0:
                continue
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
            try:
                sock.bind((self.host, port))
                sock.listen(1)  # a listening socket: no other bind, no client connection, gets it
            except OSError as exc:
                sock.close()
                raise StackError(f"cannot serve the {name} on {self.host}:{port} ({exc.strerror}); "
                                 f"set {variable} to another port (0 = any free port)") from exc
            self._reserved[name] = sock

    def _release(self, name: str) -> None:
        sock = self._reserved.pop(name, None)
        if sock is not None:
            sock.close()

    def _setenv(self, name: str, value: str) -> None:
        if name not in self._saved_env:
            self._saved_env[name] = self.environ.get(name)
        self.environ[name] = value

    def _unsetenv(self, name: str) -> None:
        if name in self.environ:
            if name not in self._saved_env:
                self._saved_env[name] = self.environ.get(name)
            del self.environ[name]

    def _start_moto(self) -> None:
        from moto.server import ThreadedMotoServer

        from infra.local import moto_patches

        moto_patches.install()  # transactions, thread safety, request tokens: as AWS answers
        self.moto = ThreadedMotoServer(ip_address=self.host, port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.moto_endpoint = f"http://{host}:{port}"
        # Fake credentials, always: a developer's real profile must never be used here.
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            self._unsetenv(name)
        for name, value in {"AWS_ENDPOINT_URL": self.moto_endpoint, "AWS_ACCESS_KEY_ID": "testing",
                            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
                            "AWS_REGION": REGION}.items():
            self._setenv(name, value)

    def _client(self, service: str, read_timeout: int = 10) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(service, endpoint_url=self.moto_endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing",
                            config=Config(read_timeout=read_timeout, retries={"max_attempts": 2}))

    def _start_standin(self) -> None:
        factory = self._standin_factory
        if factory is None:
            from infra.local.mailchimp_standin import MailchimpStandIn as factory  # noqa: N813
        api_key = f"{secrets.token_hex(16)}-{MAILCHIMP_SERVER}"
        self.standin = factory(host=self.host, port=0, api_key=api_key, list_id=LIST_ID)
        self.standin.start()

    def _provision(self) -> None:
        self.template = provisioning.load_template()
        self._sqs = self._client("sqs", read_timeout=self.poll_wait_seconds + 10)
        env, self.physical = provisioning.provision(
            self._client("cloudformation"), self._sqs,
            parameters={"MailchimpListId": self.standin.list_id, "MailchimpServer": MAILCHIMP_SERVER},
            template=self.template, s3=self._client("s3"))
        self._provisioned_env = env

    def _chalice_config(self) -> Any:
        from chalice.cli.factory import CLIFactory

        # CLIFactory works on a copy of os.environ: loading the app does not change ours.
        return CLIFactory(str(self.project_dir)).create_config_obj(chalice_stage_name=STAGE)

    def _set_function_environment(self, original_env: dict[str, str]) -> None:
        self.config = self._chalice_config()
        config_env = dict(self.config.environment_variables)
        # What was in the environment when `make run` started wins over .chalice/config.json
        config_env.update({k: original_env[k] for k in config_env if k in original_env})
        self.api_url = f"http://{self.host}:{self.api_port}"
        self.function_env = {
            **config_env,
            **self._provisioned_env,
            "MAILCHIMP_API_KEY": self.standin.api_key,
            "MAILCHIMP_BASE_URL": self.standin.base_url,
            "MAILCHIMP_LIST_ID": self.standin.list_id,
            "MAILCHIMP_SERVER": _server_of(self.standin.api_key),
            "FORM_SECRET": secrets.token_urlsafe(32),
            "PUBLIC_BASE_URL": self.api_url,
            "APP_STAGE": STAGE,
            # failed queue records are retried after 1, 2, 4, 8 s (production: 30 s doubling)
            "QUEUE_RETRY_BASE_SECONDS": original_env.get("QUEUE_RETRY_BASE_SECONDS") or "1",
        }
        for name, value in self.function_env.items():
            self._setenv(name, value)
        self._reset_app_caches()

    def _seed_ssm(self) -> None:
        """The SSM code path works too: the parameters the template names hold the local secrets."""
        ssm = self._client("ssm")
        for param_env, value_env in (("MAILCHIMP_API_KEY_PARAM", "MAILCHIMP_API_KEY"),
                                     ("FORM_SECRET_PARAM", "FORM_SECRET")):
            name = self.function_env.get(param_env)
            if name:
                ssm.put_parameter(Name=name, Value=self.function_env[value_env], Type="SecureString",
                                  Overwrite=True)

    def _seed_ses(self) -> None:
        """SES sends only from a verified identity: verify the sender, as the operator does once."""
        sender = self.function_env.get("MAIL_FROM")
        if sender:
            self._client("ses").verify_email_identity(EmailAddress=sender)

    def sent_mail(self) -> list[dict[str, Any]]:
        """What SES "sent" (moto keeps it in this process): newest first, for the console."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        messages = list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)
        return [{"id": m.id, "from": m.source, "to": list(m.destinations.get("ToAddresses", [])),
                 "subject": getattr(m, "subject", ""), "body": getattr(m, "body", "")}
                for m in reversed(messages)]

    def _start_api(self) -> None:
        from chalice.deploy.validate import validate_routes
        from chalice.local import LocalChalice, LocalDevServer, create_local_server

        app = self.config.chalice_app  # imports app.py: the environment is set by now
        validate_routes(app.routes)
        self._release("API")
        try:
            if isinstance(app, LocalChalice):  # a second start in the same process
                server = LocalDevServer(app, self.config, self.host, self.api_port)
            else:
                server = create_local_server(app, self.config, self.host, self.api_port)
        except OSError as exc:
            raise StackError(f"cannot serve the API on {self.host}:{self.api_port} ({exc.strerror}); "
                             "set PORT to another port (0 = any free port)") from exc
        from infra.local.gateway import GatewayResponses

        server.server.RequestHandlerClass = functools.partial(
            _quiet_handler_class(), app_object=app, config=self.config, log=self.log,
            responses=GatewayResponses.from_template(self.template))
        self.app, self.api_server = app, server
        port = server.server.server_address[1]
        if port != self.api_port:  # PORT=0: tell the functions the port we got, before any request
            self.api_url = f"http://{self.host}:{port}"
            self.function_env["PUBLIC_BASE_URL"] = self.api_url
            self._setenv("PUBLIC_BASE_URL", self.api_url)
            self._reset_app_caches()
        self._api_thread = threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.2},
                                            daemon=True, name="api")
        self._api_thread.start()

    def _lambda_context(self, name: str) -> Any:
        from chalice.local import LambdaContext

        scoped = self.config.scope(STAGE, name)
        return LambdaContext(name, memory_size=scoped.lambda_memory_size or 128,
                             max_runtime_ms=(scoped.lambda_timeout or 60) * 1000)

    def _make_pump_and_scheduler(self) -> None:
        from infra.local.pump import QueuePump, discover_consumers
        from infra.local.scheduler import Scheduler, discover_schedules

        consumers = discover_consumers(self.app, self.template, self.physical, self._sqs)
        schedules = discover_schedules(self.app)
        self.pump = QueuePump(consumers, self._sqs, region=REGION, wait_seconds=self.poll_wait_seconds,
                              retry_visibility=self.retry_visibility, handler_backoff=True,
                              context_factory=self._lambda_context,
                              log=self.log)
        self.scheduler = Scheduler(schedules, region=REGION, rule_prefix=f"{self.app.app_name}-{STAGE}",
                                   context_factory=self._lambda_context, log=self.log)

    def _start_console(self) -> None:
        from infra.local.console import ConsoleBackend, ConsoleServer

        backend = ConsoleBackend(standin=self.standin, scheduler=self.scheduler,
                                 consumers=self.pump.consumers, queues=self.queue_depths,
                                 mails=self.sent_mail)
        self._release("console")
        try:
            self.console = ConsoleServer(backend, self.host, self.console_port, log=self.log)
        except OSError as exc:
            raise StackError(f"cannot serve the console on {self.host}:{self.console_port} "
                             f"({exc.strerror}); set CONSOLE_PORT to another port "
                             "(0 = any free port)") from exc
        self.console.start()

    def _seed_demo(self) -> None:
        from functions import tokens
        from functions.adapters.dynamo import DynamoTable
        from functions.config import ROLES

        self.standin.seed_demo()
        table = DynamoTable(self.function_env["DATA_TABLE"], self._client("dynamodb"))
        now = datetime.now(timezone.utc)
        self.tokens = {role: tokens.issue(role, f"local {role}", table, now)[0] for role in ROLES}

    def _write_state(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        _write_private_json(self.tokens_file, self.tokens)
        _write_private_json(self.stack_file, {
            "api": self.api_url, "console": self.console_url, "moto": self.moto_endpoint,
            "mailchimp": self.standin.base_url, "env": self.function_env, "pid": os.getpid(),
            "tokens_file": str(self.tokens_file), "state_dir": str(self.state_dir),
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})

    # --- what the console shows --------------------------------------------------------

    def queue_depths(self) -> dict[str, Any]:
        """Per queue (logical id): visible and in-flight messages, and its dead-letter queue's depth."""
        queues = {name: url for name, url in self.physical.items()
                  if self.template["Resources"].get(name, {}).get("Type") == "AWS::SQS::Queue"}
        attrs = {name: self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                 for name, url in queues.items()}
        by_arn = {a.get("QueueArn"): name for name, a in attrs.items()}
        out = {}
        for name, a in attrs.items():
            redrive = json.loads(a["RedrivePolicy"]) if a.get("RedrivePolicy") else {}
            dlq = by_arn.get(redrive.get("deadLetterTargetArn"))
            out[name] = {"url": queues[name], "visible": int(a.get("ApproximateNumberOfMessages", 0)),
                         "in_flight": int(a.get("ApproximateNumberOfMessagesNotVisible", 0)),
                         "dead_letter_queue": dlq,
                         "dead_letter_depth": (int(attrs[dlq].get("ApproximateNumberOfMessages", 0))
                                               if dlq else None)}
        return out

    # --- output ------------------------------------------------------------------------

    def _print(self, line: str) -> None:
        with self._out_lock:
            print(line, flush=True)

    def log(self, line: str) -> None:
        self._out(line)

    def _banner(self) -> None:
        get_routes = [p for p in FORM_PATHS if "GET" in self.app.routes.get(p, {})]
        consumers = ", ".join(f"{c.name} <- {c.queue_logical_id}" for c in self.pump.consumers)
        schedules = ", ".join(f"{h.name} {h.expression}" for h in self.scheduler.handlers.values())
        lines = ["", "BIJ1 Den Haag: local stack is up (stage local)",
                 f"  API        {self.api_url}   (health: {self.api_url}/health)"]
        lines += [f"  form       {self.api_url}{p}" for p in get_routes]
        lines += [f"  console    {self.console_url}   (outbox, queues, handlers, triggers)",
                  f"  AWS (moto) {self.moto_endpoint}",
                  f"  Mailchimp  {self.standin.base_url}   (stand-in)",
                  f"  consumers  {consumers or 'none'}",
                  f"  schedules  {schedules or 'none'}",
                  "  tokens     (Authorization: Bearer <token>; also in " + str(self.tokens_file) + ")"]
        lines += [f"    {role:<18} {token}" for role, token in self.tokens.items()]
        lines += ["Data lives in memory only: every stop starts from scratch (demo data is seeded anew).",
                  "Ctrl-C to stop.", ""]
        self.log("\n".join(lines))

    # --- stop --------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop everything that was started, in reverse order; safe to call more than once."""
        steps = [("pump", lambda: self.pump and self.pump.stop()),
                 ("scheduler", lambda: self.scheduler and self.scheduler.stop()),
                 ("api", self._stop_api),
                 ("console", lambda: self.console and self.console.stop()),
                 ("state files", self._remove_state),
                 ("mailchimp stand-in", lambda: self.standin and self.standin.stop()),
                 ("moto", lambda: self.moto and self.moto._thread and self.moto.stop()),
                 ("environment", self._restore_env),
                 ("port reservations", lambda: [self._release(name) for name in list(self._reserved)])]
        began = time.monotonic()
        slow = []
        for name, step in steps:
            started = time.monotonic()
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - stop the rest regardless
                self.log(f"stopping {name} failed: {type(exc).__name__}")
            if time.monotonic() - started >= 0.1:
                slow.append(f"{name} {time.monotonic() - started:.1f} s")
        if self._started:
            self.log(f"stopped in {time.monotonic() - began:.1f} s"
                     + (f" ({', '.join(slow)})" if slow else ""))
        self.pump = self.scheduler = self.console = self.standin = self.moto = None
        self.api_server = None
        self._started = False

    def _stop_api(self) -> None:
        if self.api_server is None:
            return
        if self._api_thread is not None:
            self.api_server.server.shutdown()
            self._api_thread.join(5)
        self.api_server.server.server_close()
        self._api_thread = None

    def _remove_state(self) -> None:
        if not self.tokens:
            return  # never wrote them: leave another stack's files alone
        for path in (self.stack_file, self.tokens_file):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                self.environ.pop(name, None)
            else:
                self.environ[name] = value
        self._saved_env.clear()
        self._reset_app_caches()

    @staticmethod
    def _reset_app_caches() -> None:
        from functions import wiring
        from functions.adapters import aws

        wiring.reset()
        aws.client.cache_clear()


# --- helpers ---------------------------------------------------------------------------

def _server_of(api_key: str) -> str:
    """Mailchimp's data centre is the part of the API key after the dash."""
    return api_key.rsplit("-", 1)[-1] if "-" in api_key else MAILCHIMP_SERVER


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_private_json(path: Path, data: Any) -> None:
    """Write atomically (readers never see half a file), readable by the owner only."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


@functools.lru_cache(maxsize=1)
def _quiet_handler_class() -> type:
    from infra.local.gateway import ApiGatewayRequestHandler

    class QuietChaliceHandler(ApiGatewayRequestHandler):
        """The local gateway (infra/local/gateway.py), logging method, path (no query
        string), status and, when the gateway answered itself, which gateway response and
        why: the default log line starts with the client's IP address and holds the query
        string."""

        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            path = (getattr(self, "path", "") or "").split("?", 1)[0]
            note = f" ({self._note})" if getattr(self, "_note", "") else ""
            self._log_line(f"api {getattr(self, 'command', '-') or '-'} {path[:200]} "
                           f"{getattr(code, 'value', code)}{note}")

        def log_message(self, format: str, *args: Any) -> None:
            """Everything else BaseHTTPRequestHandler logs carries the client address: drop it."""

    return QuietChaliceHandler
