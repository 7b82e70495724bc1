#!/usr/bin/env python3
"""platform-N for scripts/bench-peers: the same platform written for cedc, Pkl and
jsonnet, the objects all three must produce, and the check of each tool's output.

platform-N is N components (app-0 … app-N-1) in three environments (prod, staging,
sandbox), plus the `gateway` component their routes attach to. In every environment
component app-i deploys, in namespace app-i, a ConfigMap, a Deployment, a Service and
an HTTPRoute whose hostname is app-i.<the environment's domain>; `gateway` deploys a
GatewayClass and the Gateway `public`. The expected set has all of them: 12·N + 6
objects, exactly as `cedc render` prints them (labels, namespaces, the restricted
securityContext of `k8s.container`, port protocols), so nothing is ignored when the
outputs are compared.

    platform.py generate N DIR        writes DIR/cedc/{cedc.toml,main.ced},
                                      DIR/platform.pkl and DIR/platform.jsonnet
    platform.py check N FORMAT FILE   compares FILE with the expected objects; FORMAT is
                                      `json` ({"prod": [objects], ...}, what Pkl and
                                      jsonnet print) or `cedc` (`cedc render --all-envs`)
    platform.py report N DIR OUT      prints the table of DIR's measurements, writes OUT
"""

import collections
import json
import pathlib
import sys

DOMAINS = {
    "prod": "example.org",
    "staging": "staging.example.org",
    "sandbox": "sandbox.example.org",
}
GATEWAY_API = "gateway.networking.k8s.io/v1"


def components(n):
    return [f"app-{i}" for i in range(n)]


# ---------------------------------------------------------------------------------------
# The expected objects.


def app_labels(name):
    return {"app.kubernetes.io/name": name}


def gateway_objects():
    return [
        {
            "apiVersion": GATEWAY_API,
            "kind": "GatewayClass",
            "metadata": {"name": "contour"},
            "spec": {"controllerName": "projectcontour.io/gateway-controller"},
        },
        {
            "apiVersion": GATEWAY_API,
            "kind": "Gateway",
            "metadata": {"name": "public", "namespace": "gateway"},
            "spec": {
                "gatewayClassName": "contour",
                "listeners": [
                    {
                        "name": "http",
                        "port": 80,
                        "protocol": "HTTP",
                        "allowedRoutes": {"namespaces": {"from": "All"}},
                    }
                ],
            },
        },
    ]


def app_objects(name, domain):
    labels = app_labels(name)
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{name}-settings", "namespace": name},
            "data": {"app.yaml": f"name: {name}"},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": name, "labels": labels},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": name,
                                "image": f"ghcr.io/example/{name}:1.0.0",
                                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                                "securityContext": {
                                    "runAsNonRoot": True,
                                    "allowPrivilegeEscalation": False,
                                    "capabilities": {"drop": ["ALL"]},
                                    "seccompProfile": {"type": "RuntimeDefault"},
                                },
                            }
                        ]
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": name, "labels": labels},
            "spec": {
                "selector": labels,
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            },
        },
        {
            "apiVersion": GATEWAY_API,
            "kind": "HTTPRoute",
            "metadata": {"name": name, "namespace": name},
            "spec": {
                "parentRefs": [{"name": "public", "namespace": "gateway", "sectionName": "http"}],
                "hostnames": [f"{name}.{domain}"],
                "rules": [{"backendRefs": [{"name": name, "port": 80}]}],
            },
        },
    ]


def expected(n):
    """Environment → the objects it must get."""
    return {
        env: gateway_objects() + [o for c in components(n) for o in app_objects(c, domain)]
        for env, domain in DOMAINS.items()
    }


# ---------------------------------------------------------------------------------------
# The three programs. Each is written the way a user of the tool would write it: the
# environments and the component list declared once, one function per component.

CED_HEADER = """\
// platform-{n} (scripts/bench-peers): {n} components × 3 environments.
import "std/gateway" as gw
import "std/k8s"

env prod {{ domain: "example.org" }}
env staging {{ domain: "staging.example.org" }}
env sandbox {{ domain: "sandbox.example.org" }}

let public: gw.Parent = {{ gateway: "public", namespace: "gateway", listener: "http" }}

component gateway {{
  namespace: "gateway"
  provides: ["projectcontour.io/gateway-controller"]
  objects: [
    gw.gateway_class("contour", "projectcontour.io/gateway-controller"),
    gw.gateway(
      "public",
      class: "contour",
      listeners: [{{ name: "http", port: 80, protocol: "HTTP", routes_from: "All" }}],
    ),
  ]
}}

fn app(name: Name) -> List<Object> =
  let settings = k8s.config_map("{{name}}-settings", data: {{ "app.yaml": "name: {{name}}" }}) in
  let workload = k8s.deployment_of(
    name,
    containers: [k8s.container(name, image: "ghcr.io/example/{{name}}:1.0.0", ports: {{ http: 8080 }})],
    replicas: 2,
  ) in
  let service = k8s.service_for(workload, port: 80) in
  [
    settings,
    workload,
    service,
    gw.http_route(
      name,
      parents: [public],
      hostnames: ["{{name}}.{{env.domain}}"],
      rules: [{{ backends: [gw.backend(service, 80)] }}],
    ),
  ]
"""

CED_COMPONENT = """
component {c} {{
  namespace: "{c}"
  objects: app("{c}")
}}
"""

PKL_HEADER = """\
/// platform-{n} (scripts/bench-peers): {n} components × 3 environments.
/// `pkl eval -f json` prints {{"prod": [objects], "staging": [...], "sandbox": [...]}}.

local gatewayApi = "gateway.networking.k8s.io/v1"

local function appLabels(appName: String): Mapping<String, String> = new {{
  ["app.kubernetes.io/name"] = appName
}}

/// The securityContext every container gets (the Pod Security "restricted" profile).
local restricted = new Dynamic {{
  runAsNonRoot = true
  allowPrivilegeEscalation = false
  capabilities {{ drop = new Listing {{ "ALL" }} }}
  seccompProfile {{ type = "RuntimeDefault" }}
}}

local gateway: Listing<Dynamic> = new {{
  new {{
    apiVersion = gatewayApi
    kind = "GatewayClass"
    metadata {{ name = "contour" }}
    spec {{ controllerName = "projectcontour.io/gateway-controller" }}
  }}
  new {{
    apiVersion = gatewayApi
    kind = "Gateway"
    metadata {{ name = "public"; namespace = "gateway" }}
    spec {{
      gatewayClassName = "contour"
      listeners = new Listing {{
        new Dynamic {{
          name = "http"
          port = 80
          protocol = "HTTP"
          allowedRoutes {{ namespaces {{ from = "All" }} }}
        }}
      }}
    }}
  }}
}}

/// The objects of component `appName` in the environment whose domain is `domain`.
local function app(appName: String, domain: String): Listing<Dynamic> = new {{
  new {{
    apiVersion = "v1"
    kind = "ConfigMap"
    metadata {{ name = "\\(appName)-settings"; namespace = appName }}
    data {{ ["app.yaml"] = "name: \\(appName)" }}
  }}
  new {{
    apiVersion = "apps/v1"
    kind = "Deployment"
    metadata {{ name = appName; namespace = appName; labels = appLabels(appName) }}
    spec {{
      replicas = 2
      selector {{ matchLabels = appLabels(appName) }}
      template {{
        metadata {{ labels = appLabels(appName) }}
        spec {{
          containers = new Listing {{
            new Dynamic {{
              name = appName
              image = "ghcr.io/example/\\(appName):1.0.0"
              ports = new Listing {{
                new Dynamic {{ name = "http"; containerPort = 8080; protocol = "TCP" }}
              }}
              securityContext = restricted
            }}
          }}
        }}
      }}
    }}
  }}
  new {{
    apiVersion = "v1"
    kind = "Service"
    metadata {{ name = appName; namespace = appName; labels = appLabels(appName) }}
    spec {{
      selector = appLabels(appName)
      ports = new Listing {{
        new Dynamic {{ name = "http"; port = 80; targetPort = "http"; protocol = "TCP" }}
      }}
    }}
  }}
  new {{
    apiVersion = gatewayApi
    kind = "HTTPRoute"
    metadata {{ name = appName; namespace = appName }}
    spec {{
      parentRefs = new Listing {{
        new Dynamic {{ name = "public"; namespace = "gateway"; sectionName = "http" }}
      }}
      hostnames = new Listing {{ "\\(appName).\\(domain)" }}
      rules = new Listing {{
        new Dynamic {{
          backendRefs = new Listing {{ new Dynamic {{ name = appName; port = 80 }} }}
        }}
      }}
    }}
  }}
}}

local function platform(domain: String): Listing<Dynamic> = new {{
  ...gateway
  for (c in components) {{
    ...app(c, domain)
  }}
}}

prod = platform("example.org")
staging = platform("staging.example.org")
sandbox = platform("sandbox.example.org")

/// The components, one per line (as cedc's are declared).
local components: Listing<String> = new {{
"""

JSONNET_HEADER = """\
// platform-{n} (scripts/bench-peers): {n} components × 3 environments.
// jrsonnet prints {{"prod": [objects], "staging": [...], "sandbox": [...]}}.
local domains = {{
  prod: 'example.org',
  staging: 'staging.example.org',
  sandbox: 'sandbox.example.org',
}};

local gatewayApi = 'gateway.networking.k8s.io/v1';

local appLabels(name) = {{ 'app.kubernetes.io/name': name }};

// The securityContext every container gets (the Pod Security "restricted" profile).
local restricted = {{
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: {{ drop: ['ALL'] }},
  seccompProfile: {{ type: 'RuntimeDefault' }},
}};

local gateway = [
  {{
    apiVersion: gatewayApi,
    kind: 'GatewayClass',
    metadata: {{ name: 'contour' }},
    spec: {{ controllerName: 'projectcontour.io/gateway-controller' }},
  }},
  {{
    apiVersion: gatewayApi,
    kind: 'Gateway',
    metadata: {{ name: 'public', namespace: 'gateway' }},
    spec: {{
      gatewayClassName: 'contour',
      listeners: [
        {{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: {{ namespaces: {{ from: 'All' }} }} }},
      ],
    }},
  }},
];

// The objects of component `name` in the environment whose domain is `domain`.
local app(name, domain) = [
  {{
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {{ name: name + '-settings', namespace: name }},
    data: {{ 'app.yaml': 'name: ' + name }},
  }},
  {{
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {{ name: name, namespace: name, labels: appLabels(name) }},
    spec: {{
      replicas: 2,
      selector: {{ matchLabels: appLabels(name) }},
      template: {{
        metadata: {{ labels: appLabels(name) }},
        spec: {{
          containers: [{{
            name: name,
            image: 'ghcr.io/example/%s:1.0.0' % name,
            ports: [{{ name: 'http', containerPort: 8080, protocol: 'TCP' }}],
            securityContext: restricted,
          }}],
        }},
      }},
    }},
  }},
  {{
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {{ name: name, namespace: name, labels: appLabels(name) }},
    spec: {{
      selector: appLabels(name),
      ports: [{{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }}],
    }},
  }},
  {{
    apiVersion: gatewayApi,
    kind: 'HTTPRoute',
    metadata: {{ name: name, namespace: name }},
    spec: {{
      parentRefs: [{{ name: 'public', namespace: 'gateway', sectionName: 'http' }}],
      hostnames: ['%s.%s' % [name, domain]],
      rules: [{{ backendRefs: [{{ name: name, port: 80 }}] }}],
    }},
  }},
];

// The components, one per line (as cedc's are declared).
local components = [
"""

JSONNET_FOOTER = """\
];

{
  [env]: gateway + std.flattenArrays([app(c, domains[env]) for c in components])
  for env in std.objectFields(domains)
}
"""


def generate(n, out):
    out = pathlib.Path(out)
    (out / "cedc").mkdir(parents=True, exist_ok=True)
    names = components(n)
    (out / "cedc" / "cedc.toml").write_text('[project]\nname = "peers"\n')
    (out / "cedc" / "main.ced").write_text(
        CED_HEADER.format(n=n) + "".join(CED_COMPONENT.format(c=c) for c in names)
    )
    (out / "platform.pkl").write_text(
        PKL_HEADER.format(n=n) + "".join(f'  "{c}"\n' for c in names) + "}\n"
    )
    (out / "platform.jsonnet").write_text(
        JSONNET_HEADER.format(n=n) + "".join(f"  '{c}',\n" for c in names) + JSONNET_FOOTER
    )


# ---------------------------------------------------------------------------------------
# The check.


def load_cedc(text):
    """`cedc render --all-envs` output → environment → objects. Each environment's first
    document is headed by `# environment: ENV`."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sections, env = {}, None
    for line in text.splitlines(keepends=True):
        if line.startswith("# environment: "):
            env = line[len("# environment: ") :].strip()
            sections[env] = []
        elif env is None:
            if line.strip():
                raise SystemExit(f"cedc render: output before the first environment: {line!r}")
        else:
            sections[env].append(line)
    return {
        env: [doc for doc in yaml.load_all("".join(lines), Loader=loader) if doc is not None]
        for env, lines in sections.items()
    }


def canonical(objects):
    return sorted(json.dumps(o, sort_keys=True, separators=(",", ":")) for o in objects)


def check(n, fmt, path):
    text = pathlib.Path(path).read_text()
    got = load_cedc(text) if fmt == "cedc" else json.loads(text)
    want = expected(n)
    tool = pathlib.Path(path).stem
    if sorted(got) != sorted(want):
        print(f"{tool}: environments {sorted(got)}, expected {sorted(want)}", file=sys.stderr)
        return 1
    total = 0
    for env in want:
        have, need = collections.Counter(canonical(got[env])), collections.Counter(canonical(want[env]))
        missing, extra = sorted((need - have).elements()), sorted((have - need).elements())
        if missing or extra:
            print(
                f"{tool}: {env}: {len(missing)} expected object(s) missing, {len(extra)} unexpected",
                file=sys.stderr,
            )
            if missing:
                print(f"  first missing:    {missing[0]}", file=sys.stderr)
            if extra:
                print(f"  first unexpected: {extra[0]}", file=sys.stderr)
            return 1
        total += len(got[env])
    print(f"  {tool}: the {total} expected objects, exactly")
    return 0


# ---------------------------------------------------------------------------------------
# The report.

ROWS = [
    ("pkl", "pkl eval -f json"),
    ("jrsonnet", "jrsonnet"),
    ("cedc-check", "cedc check"),
    ("cedc-render", "cedc render --all-envs"),
    ("cedc-build", "cedc build (fresh dir)"),
    ("floor", "floor: cp -r of the tree"),
]
RATIOS = [
    ("pkl/cedc-check", "pkl", "cedc-check"),
    ("pkl/cedc-render", "pkl", "cedc-render"),
    ("jrsonnet/cedc-render", "jrsonnet", "cedc-render"),
    ("cedc-build/floor", "cedc-build", "floor"),
]


def report(n, work, out):
    work = pathlib.Path(work)
    runs = {}
    for f in sorted(work.glob("hyperfine-*.json")):
        for r in json.loads(f.read_text())["results"]:
            runs[r["command"]] = r
    rss = {f.name[len("rss-") :]: int(f.read_text()) / 1024 for f in work.glob("rss-*")}
    meta = json.loads((work / "meta.json").read_text())
    commands = meta.pop("commands")
    results = {
        "n": n,
        "objects": 3 * (4 * n + 2),
        **meta,
        "tools": {
            name: {
                "command": commands[name],
                "median_s": runs[name]["median"],
                "mean_s": runs[name]["mean"],
                "stddev_s": runs[name]["stddev"],
                "min_s": runs[name]["min"],
                "max_s": runs[name]["max"],
                "user_s": runs[name]["user"],
                "system_s": runs[name]["system"],
                "times_s": runs[name]["times"],
                "peak_mib": round(rss[name], 1) if name in rss else None,
            }
            for name, _ in ROWS
        },
        "ratios": {k: runs[a]["median"] / runs[b]["median"] for k, a, b in RATIOS},
    }
    pathlib.Path(out).write_text(json.dumps(results, indent=2) + "\n")

    print(f"\nplatform-{n}: {results['objects']} objects (3 environments); wall time: median, "
          f"min and max of {meta['runs']} runs after 1 warm-up (hyperfine); CPU: user + system, mean")
    print(f"  {'':26} {'median':>9} {'min':>9} {'max':>9} {'CPU':>9} {'peak RSS':>9}")
    for name, label in ROWS:
        t = results["tools"][name]
        peak = f"{t['peak_mib']:.0f} MiB" if t["peak_mib"] is not None else "-"
        print(f"  {label:26} {t['median_s']:8.3f}s {t['min_s']:8.3f}s {t['max_s']:8.3f}s "
              f"{t['user_s'] + t['system_s']:8.3f}s {peak:>9}")
    print("  median ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in results["ratios"].items()))
    print(f"  → {out}")
    return 0


def main(argv):
    if len(argv) == 3 and argv[0] == "generate":
        generate(int(argv[1]), argv[2])
        return 0
    if len(argv) == 4 and argv[0] == "check" and argv[2] in ("json", "cedc"):
        return check(int(argv[1]), argv[2], argv[3])
    if len(argv) == 4 and argv[0] == "report":
        return report(int(argv[1]), argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
