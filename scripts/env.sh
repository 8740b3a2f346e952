# Sourced by the other scripts: the project's own Pulumi toolchain and a local, offline Pulumi setup.
# No Pulumi Cloud, no update checks, no plugin downloads; state in a file backend inside the work dir.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export PATH="$ROOT/.tools/bin:$PATH"
# Always the project's own: the tests and the bench look for the Go-built plugins here, so an
# inherited PULUMI_HOME (the user's, another checkout's) would get them while the tests did not.
export PULUMI_HOME="$ROOT/.tools/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
export PULUMI_SKIP_CONFIRMATIONS=true
