"""Fake secrets and their look-alikes, generated (never real ones), for tests and benchmarks.

``secret_samples(seed)`` gives one :class:`Sample` per secret kind: the text a tool
result, a file or a command line would hold (``text``) and the part of it that must
not survive redaction (``secret``). ``lookalike_samples(seed)`` gives text that looks
like a secret but is what traces are made of (git SHAs, digests, UUIDs, integrity
hashes, paths, versions, colours, data URIs, identifiers): it must survive unchanged.
``log_text(size, seed)`` is a realistic tool log (build, git, pip, docker, pytest,
JSON lines) of about ``size`` characters, for throughput.

Every value is drawn from a seeded ``random.Random``: the same seed gives the same
samples; nothing here is a working credential.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from dataclasses import dataclass

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = UPPER + LOWER + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
BASE32 = UPPER + "234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


@dataclass(frozen=True)
class Sample:
    kind: str
    text: str
    secret: str = ""  # empty for a look-alike (the whole text must survive)


class _Fake:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def mixed(self, alphabet: str, n: int) -> str:
        """Like :meth:`s` but with at least one digit and one letter (as real keys have)."""
        while True:
            out = self.s(alphabet, n)
            if any(c.isdigit() for c in out) and any(c.isalpha() for c in out):
                return out

    def password(self) -> str:
        words = ("correct", "horse", "battery", "staple", "Summer", "Winter", "dragon", "monkey")
        return self.rng.choice(words) + self.s(DIGITS, 2) + self.rng.choice("!#%&*") + self.rng.choice(words)

    def b64(self, raw: int) -> str:
        return base64.b64encode(self.rng.randbytes(raw)).decode()

    def b64url(self, raw: int) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(raw)).decode().rstrip("=")

    def jwt(self) -> str:
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        body = json.dumps({"sub": self.s(DIGITS, 10), "name": "Jane Doe", "iat": 1516239022})
        payload = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
        return f"{header}.{payload}.{self.b64url(32)}"

    def pem(self, label: str, lines: int = 6) -> str:
        body = "\n".join(self.b64(48) for _ in range(lines))
        return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"

    def hexs(self, n: int) -> str:
        return self.s(HEX, n)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def secret_samples(seed: int = 7) -> list[Sample]:
    """One sample per secret kind (60+ kinds), in the context they are usually met."""
    f = _Fake(seed)
    out: list[Sample] = []

    def add(kind: str, template: str, secret: str) -> None:
        out.append(Sample(kind, template.format(S=secret), secret))

    # -- cloud providers
    add("aws-access-key-id", "aws_access_key_id = {S}", "AKIA" + f.s(BASE32, 16))
    add("aws-secret-access-key", "[default]\naws_secret_access_key = {S}\nregion = eu-west-1", f.mixed(B64, 40))
    add("aws-secret-env", "export AWS_SECRET_ACCESS_KEY={S}", f.mixed(B64, 40))
    add("aws-session-token", "aws_session_token = {S}", "FwoGZXIvYXdzE" + f.mixed(B64, 180))
    add("aws-temp-key-id", "AccessKeyId: {S}", "ASIA" + f.s(BASE32, 16))
    add("gcp-api-key", "curl 'https://maps.googleapis.com/maps/api/geocode/json?key={S}'", "AIza" + f.mixed(URLSAFE, 35))
    add("gcp-oauth-client-secret", '{{"client_id": "1234.apps.googleusercontent.com", "client_secret": "{S}"}}',
        "GOCSPX-" + f.mixed(URLSAFE, 28))
    pem_key = f.pem("PRIVATE KEY", 8)
    add("gcp-service-account-json", '{{"type": "service_account", "private_key": "{S}\\n"}}', pem_key.replace("\n", "\\n"))
    add("azure-storage-connection-string",
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={S};EndpointSuffix=core.windows.net", f.b64(64))
    add("azure-ad-client-secret", "AZURE_CLIENT_SECRET={S}", f.mixed(ALNUM, 3) + "8Q~" + f.mixed(URLSAFE + "~.", 34))
    add("digitalocean-token", "doctl auth init -t {S}", "dop_v1_" + f.hexs(64))
    add("heroku-api-key", "HEROKU_API_KEY={S}", "HRKU-AA" + f.mixed(URLSAFE, 58))
    add("databricks-token", "databricks configure --token {S}", "dapi" + f.hexs(32))
    add("cloudflare-api-token", "CLOUDFLARE_API_TOKEN={S}", f.mixed(URLSAFE, 40))
    # -- code hosting and packages
    add("github-pat", "git push https://x-access-token:{S}@github.com/acme/app.git", "ghp_" + f.mixed(ALNUM, 36))
    add("github-fine-grained-pat", "GH_TOKEN={S}", "github_pat_" + f.mixed(ALNUM, 22) + "_" + f.mixed(ALNUM, 59))
    add("github-oauth", "oauth_token: {S}", "gho_" + f.mixed(ALNUM, 36))
    add("gitlab-pat", "glab auth login --token {S}", "glpat-" + f.mixed(URLSAFE, 20))
    add("gitlab-runner-token", "token = \"{S}\"", "glrt-" + f.mixed(URLSAFE, 20))
    add("npm-token", "npm config set //registry.npmjs.org/:_authToken {S}", "npm_" + f.mixed(ALNUM, 36))
    add("npmrc-auth-token", "//npm.pkg.github.com/:_authToken={S}", f.mixed(ALNUM, 40))
    add("pypi-token", "[pypi]\nusername = __token__\npassword = {S}", "pypi-AgEIcHlwaS5vcmc" + f.mixed(URLSAFE, 70))
    add("docker-config-auth", '{{"auths": {{"ghcr.io": {{"auth": "{S}"}}}}}}',
        base64.b64encode(f"bot:{f.password()}".encode()).decode())
    add("git-credential-url", "https://deploy:{S}@gitlab.example.com/group/repo.git", f.password())
    # -- SaaS APIs
    add("slack-bot-token", "SLACK_BOT_TOKEN={S}", f"xoxb-{f.s(DIGITS, 12)}-{f.s(DIGITS, 13)}-{f.mixed(ALNUM, 24)}")
    add("slack-user-token", "token={S}", f"xoxp-{f.s(DIGITS, 12)}-{f.s(DIGITS, 12)}-{f.s(DIGITS, 13)}-{f.hexs(32)}")
    add("slack-app-token", "socket mode: {S}", f"xapp-1-A{f.s(UPPER + DIGITS, 10)}-{f.s(DIGITS, 13)}-{f.hexs(64)}")
    add("slack-webhook", "curl -X POST -d @msg.json {S}",
        f"https://hooks.slack.com/services/T{f.s(UPPER + DIGITS, 8)}/B{f.s(UPPER + DIGITS, 10)}/{f.mixed(ALNUM, 24)}")
    add("stripe-secret-key", "Stripe.api_key = '{S}'", "sk_live_" + f.mixed(ALNUM, 24))
    add("stripe-restricted-key", "STRIPE_KEY={S}", "rk_live_" + f.mixed(ALNUM, 24))
    add("stripe-webhook-secret", "endpoint secret: {S}", "whsec_" + f.mixed(ALNUM, 32))
    add("openai-key", "OPENAI_API_KEY={S}", "sk-proj-" + f.mixed(URLSAFE, 48))
    add("anthropic-key", "client = Anthropic(api_key=\"{S}\")", "sk-ant-api03-" + f.mixed(URLSAFE, 93) + "AA")
    add("openrouter-key", "Authorization: Bearer {S}", "sk-or-v1-" + f.hexs(64))
    add("huggingface-token", "huggingface-cli login --token {S}", "hf_" + f.s(ALNUM, 34))
    add("groq-key", "GROQ_API_KEY={S}", "gsk_" + f.mixed(ALNUM, 52))
    add("sendgrid-key", "sg = SendGridAPIClient('{S}')", f"SG.{f.mixed(URLSAFE, 22)}.{f.mixed(URLSAFE, 43)}")
    add("twilio-api-key", "twilio api:core:messages:create --api-key {S}", "SK" + f.hexs(32))
    add("twilio-auth-token", "TWILIO_AUTH_TOKEN={S}", f.hexs(32))
    add("mailgun-key", "api: {S}", "key-" + f.hexs(32))
    add("shopify-token", "X-Shopify-Access-Token: {S}", "shpat_" + f.hexs(32))
    add("telegram-bot-token", "https://api.telegram.org/bot{S}/getMe", f"{f.s(DIGITS, 10)}:AA{f.mixed(URLSAFE, 33)}")
    add("discord-bot-token", "DISCORD_TOKEN={S}", f"{f.b64url(18)}.{f.b64url(5)}.{f.b64url(28)}")
    add("linear-key", "LINEAR_API_KEY: {S}", "lin_api_" + f.mixed(ALNUM, 40))
    add("datadog-api-key", "DD_API_KEY={S} datadog-agent start", f.hexs(32))
    add("vault-token", "VAULT_TOKEN={S} vault kv get secret/app", "hvs." + f.mixed(URLSAFE, 90))
    add("age-secret-key", "# created: 2024\n{S}", "AGE-SECRET-KEY-1" + f.s(BECH32, 58))
    add("atlassian-token", "JIRA_API_TOKEN={S}", "ATATT3xFfGF0" + f.mixed(URLSAFE, 180))
    # -- keys and tokens by shape
    add("rsa-private-key", "$ cat ~/.ssh/id_rsa\n{S}\n$ ", f.pem("RSA PRIVATE KEY"))
    add("openssh-private-key", "{S}", f.pem("OPENSSH PRIVATE KEY"))
    add("ec-private-key", "key.pem:\n{S}", f.pem("EC PRIVATE KEY", 3))
    add("pgp-private-key", "{S}", f.pem("PGP PRIVATE KEY BLOCK", 10).replace("BLOCK-----\n", "BLOCK-----\n\n", 1))
    add("jwt", "session={S}; Path=/", f.jwt())
    add("jwt-bare", "the token was {S} and it expired", f.jwt())
    # -- headers
    add("bearer-short", "curl -H 'Authorization: Bearer {S}' https://api.example.com/v1/me", f.mixed(ALNUM, 10))
    add("bearer-json-header", '{{"headers": {{"Authorization": "Bearer {S}"}}}}', f.mixed(ALNUM, 24))
    add("basic-auth-header", "Authorization: Basic {S}", base64.b64encode(f"admin:{f.password()}".encode()).decode())
    add("x-api-key-header", "curl -H \"x-api-key: {S}\" https://api.example.com", f.mixed(URLSAFE, 32))
    add("cookie-header", "Cookie: theme=dark; sessionid={S}", f.mixed(ALNUM, 32))
    add("set-cookie-header", "Set-Cookie: session={S}; HttpOnly; Secure", f.mixed(URLSAFE, 40))
    add("okta-ssws", "Authorization: SSWS {S}", "00" + f.mixed(URLSAFE, 40))
    # -- command lines
    add("curl-user", "curl -u admin:{S} https://ci.example.com/api/json", f.password())
    add("curl-user-long", "curl --user 'deploy:{S}' https://registry.example.com", f.password())
    add("mysql-p", "mysql -u root -p{S} -h 127.0.0.1 app", f.password())
    add("mysql-password-flag", "mysqldump --password={S} app > dump.sql", f.password())
    add("sshpass", "sshpass -p '{S}' ssh admin@10.0.0.5", f.password())
    add("docker-login", "docker login -u bot -p {S} registry.example.com", f.password())
    add("psql-pgpassword", "PGPASSWORD={S} psql -h db -U app", f.password())
    # -- configuration files
    add("dotenv-password", "DB_HOST=db\nDB_PASSWORD={S}\nDB_PORT=5432", f.password())
    add("dotenv-secret-key", "SECRET_KEY={S}", "django-insecure-" + f.mixed(ALNUM + "!@#%^&*(-_=+)", 50))
    add("yaml-password", "database:\n  user: app\n  password: {S}\n  port: 5432", f.password())
    add("yaml-quoted-secret", "webhook:\n  secret: \"{S}\"", f.mixed(ALNUM, 24))
    add("json-api-key", '{{"service": "maps", "api_key": "{S}", "timeout": 30}}', f.mixed(ALNUM, 32))
    add("json-password", '{{"username": "svc", "password": "{S}"}}', f.password())
    add("python-password", 'conn = connect(host="db", password="{S}")', f.password())
    add("toml-token", "[tool.api]\ntoken = \"{S}\"", f.mixed(ALNUM, 28))
    add("ini-password", "[client]\nuser = root\npassword = {S}", f.password())
    add("hcl-password", 'resource "db" "main" {{\n  password = "{S}"\n}}', f.password())
    add("xml-password", '<add key="Password" value="{S}" />', f.password())
    add("sqlserver-connection-string", "Server=db;Database=app;User Id=sa;Password={S};", f.password())
    add("kubeconfig-token", "users:\n- name: admin\n  user:\n    token: {S}", f.mixed(ALNUM, 40))
    add("k8s-secret-data", "kind: Secret\ndata:\n  db-password: {S}", base64.b64encode(f.password().encode()).decode())
    # -- URLs
    add("postgres-url", "DATABASE_URL=postgres://app:{S}@db.internal:5432/app", f.password())
    add("redis-url", "redis://:{S}@cache:6379/0", f.mixed(ALNUM, 20))
    add("mongodb-srv-url", "mongodb+srv://admin:{S}@cluster0.abcde.mongodb.net/test", f.password())
    add("url-query-token", "GET /callback?code=ok&access_token={S}&state=1", f.mixed(URLSAFE, 30))
    add("url-query-client-secret", "POST https://oauth2.example.com/token?client_secret={S}", f.mixed(URLSAFE, 32))
    return out


def lookalike_samples(seed: int = 11) -> list[Sample]:
    """Text that resembles secrets but is what traces are made of: must stay intact."""
    f = _Fake(seed)
    sha = f.hexs(40)
    items = [
        ("git-sha", f"commit {sha}\nAuthor: Jane <jane@example.com>"),
        ("git-short-sha", f"{f.hexs(7)} Fix the parser (#123)"),
        ("git-log-oneline", "\n".join(f"{f.hexs(12)} {w}" for w in ("merge branch", "bump deps", "docs"))),
        ("git-rev-parse", f.hexs(40)),
        ("git-range", f"{f.hexs(40)}..{f.hexs(40)}"),
        ("sha256sum", f"{f.hexs(64)}  dist/app-1.2.3.tar.gz"),
        ("sha512sum", f"{f.hexs(128)}  release.zip"),
        ("docker-digest", f"Digest: sha256:{f.hexs(64)}"),
        ("docker-image-ref", f"python@sha256:{f.hexs(64)}"),
        ("docker-pull", f"{f.hexs(12)}: Pull complete\nStatus: Downloaded newer image for nginx:1.25.3-alpine"),
        ("oci-layer", f'{{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:{f.hexs(64)}"}}'),
        ("npm-integrity", f'"integrity": "sha512-{f.b64(64)}"'),
        ("npm-lock-resolved", f'"resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz", "integrity": "sha1-{f.b64(20)}"'),
        ("pip-hash", f"requests==2.31.0 --hash=sha256:{f.hexs(64)}"),
        ("poetry-lock-hash", f'{{file = "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl", hash = "sha256:{f.hexs(64)}"}}'),
        ("uuid", f"request_id={f.uuid()} status=200"),
        ("uuid-upper", f.uuid().upper()),
        ("uuid-json", f'{{"id": "{f.uuid()}", "parent_id": "{f.uuid()}"}}'),
        ("path", "/home/jane/projects/app/src/hermes_tui/core/guard/redact.py:120: in redact"),
        ("path-hashed", f"/home/jane/.cache/pip/wheels/{f.hexs(2)}/{f.hexs(2)}/{f.hexs(60)}/numpy-1.26.4.whl"),
        ("nix-store-path", f"/nix/store/{f.s('0123456789abcdfghijklmnpqrsvwxyz', 32)}-python3-3.11.9/bin/python3"),
        ("windows-path", r"C:\Users\jane\AppData\Local\Programs\Python\Python311\Lib\site-packages\pip\__init__.py"),
        ("version", "hermes-tui 0.4.0-rc.1+build.20240601 (python 3.11.9, textual 0.79.1)"),
        ("semver-list", "Successfully installed anyio-4.4.0 httpx-0.27.0 pydantic-2.8.2 pydantic_core-2.20.1"),
        ("hex-colour", "color: #1e90ff; background: #FAFAFA; border-color: #33aa77cc;"),
        ("data-uri-png", f"<img src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA{f.b64(120)}\">"),
        ("base64-text", base64.b64encode(b"The quick brown fox jumps over the lazy dog, twice over.").decode()),
        ("long-identifier", "AbstractSingletonProxyFactoryBeanConfigurationManagerImplementation.getInstance()"),
        ("snake-identifier", "test_redaction_keeps_long_identifiers_and_paths_intact_when_nothing_is_secret"),
        ("test-id", "tests/test_redact.py::test_key_shapes[sk-abcdef-short] PASSED"),
        ("memory-address", "<function main at 0x7f3a2b1c4d5e> object at 0x00007ffd5e8a9b10"),
        ("ipv6", "listening on [2001:db8:85a3::8a2e:370:7334]:8080 and fe80::1ff:fe23:4567:890a"),
        ("mac-address", "link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff"),
        ("aws-arn", "arn:aws:iam::123456789012:role/service-role/lambda-exec-role"),
        ("aws-request-id", f"RequestId: {f.uuid()} Duration: 12.34 ms"),
        ("k8s-pod-name", "api-7d9f8b6c4-x2x9k   1/1   Running   0   3d4h"),
        ("timestamp", "2024-06-01T12:34:56.789012+00:00 INFO started in 1.234s"),
        ("email", "Signed-off-by: Jane Doe <jane.doe@example.com>"),
        ("ssh-git-url", "git@github.com:acme/hermes-tui.git"),
        ("url-with-user", "https://jane@bitbucket.org/acme/app.git"),
        ("url-with-port", "http://localhost:8080/api/v1/items?page=2&sort=name"),
        ("ssh-public-key", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{f.b64(32)[:43]} jane@laptop"),
        ("gpg-fingerprint", "pub   rsa4096 2021-01-01 [SC]\n      " + f.hexs(40).upper()),
        ("prose-bearer", "The Bearer tokens expire after an hour; see the Authorization header docs."),
        ("prose-password", "Reset your password in the settings; passwords need 12 characters."),
        ("max-tokens", "max_tokens: 4096\ntemperature: 0.2\ntoken_count=1834"),
        ("env-reference", 'api_key: ${OPENAI_API_KEY}\npassword: "{{ vault_password }}"\ntoken = os.environ["GH_TOKEN"]'),
        ("code-assignment", "password = getpass.getpass()\ntoken = request.headers.get('Authorization')"),
        ("placeholder", "API_KEY=<your-api-key>\nPASSWORD=********"),
        ("ssh-key-path", "SSH_KEY_PATH=/home/jane/.ssh/id_ed25519"),
        ("sort-key", 'sort_key="created_at", primary_key: "id"'),
        ("public-key-pem", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + f.b64(48) + "\n-----END PUBLIC KEY-----"),
        ("certificate", "-----BEGIN CERTIFICATE-----\nMIIB" + f.b64(60) + "\n-----END CERTIFICATE-----"),
        ("css-minified", ".btn{padding:4px 8px}.btn-primary{background:#0d6efd}.tok-keyword{color:#cf222e}"),
        ("cargo-checksum", f'checksum = "{f.hexs(64)}"'),
        ("go-sum", f"golang.org/x/net v0.24.0 h1:{f.b64(32)}"),
        ("large-number", "tweet id 1790123456789012345 liked by 12345678"),
        ("slack-channel-id", "posted to C0123ABCDEF by U0456GHIJKL"),
        ("markers", "key [REDACTED:openai-key] and [REDACTED:env:GH_TOKEN] kept"),
    ]
    return [Sample(kind, text) for kind, text in items]


def log_text(size: int = 10_000_000, seed: int = 3) -> str:
    """About ``size`` characters of realistic tool output (no secrets): the throughput load."""
    f = _Fake(seed)
    rng = f.rng
    words = ("build", "test", "install", "fetch", "compile", "link", "download", "resolve", "cache", "deploy")
    pkgs = ("requests", "numpy", "textual", "apsw", "litellm", "pydantic", "httpx", "rich", "click", "pytest")
    lines: list[str] = []
    total = 0
    while total < size:
        pick = rng.randrange(12)
        if pick == 0:
            line = f"commit {f.hexs(40)}"
        elif pick == 1:
            line = f"2024-06-01T12:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z INFO {rng.choice(words)} step {rng.randrange(1000)} ok in {rng.random():.3f}s"
        elif pick == 2:
            line = f"  Downloading {rng.choice(pkgs)}-{rng.randrange(9)}.{rng.randrange(40)}.{rng.randrange(9)}-py3-none-any.whl (1{rng.randrange(99)} kB)"
        elif pick == 3:
            line = f"{f.hexs(12)}: Pull complete  sha256:{f.hexs(64)}"
        elif pick == 4:
            line = json.dumps({"level": "info", "msg": f"{rng.choice(words)} done", "request_id": f.uuid(), "ms": rng.randrange(900)})
        elif pick == 5:
            line = f"tests/test_{rng.choice(pkgs)}.py::test_{rng.choice(words)}_{rng.randrange(99)} PASSED [{rng.randrange(100)}%]"
        elif pick == 6:
            line = f"/home/jane/projects/app/src/{rng.choice(pkgs)}/{rng.choice(words)}.py:{rng.randrange(900)}: warning: unused variable 'key_{rng.randrange(9)}'"
        elif pick == 7:
            line = f'    "integrity": "sha512-{f.b64(64)}",'
        elif pick == 8:
            line = f"{rng.choice(pkgs)}=={rng.randrange(9)}.{rng.randrange(30)}.{rng.randrange(9)} --hash=sha256:{f.hexs(64)}"
        elif pick == 9:
            line = "the token budget is fine; set password rules and the api key in the settings page later"
        elif pick == 10:
            line = f"GET /api/v1/items?page={rng.randrange(50)}&sort=name HTTP/1.1 200 {rng.randrange(9000)} {f.uuid()}"
        else:
            line = f"Traceback (most recent call last): File \"/usr/lib/python3.11/{rng.choice(words)}.py\", line {rng.randrange(900)}, in <module> at 0x7f{f.hexs(10)}"
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)[:size]


__all__ = ["Sample", "log_text", "lookalike_samples", "secret_samples"]
