#!/bin/sh
# The version lbtui reports (lbtui --version, the User-Agent stays the
# release): `git describe` when built from a git checkout of lbtui, else the
# release that configure.ac names.
#
#   scripts/version.sh SRCDIR RELEASE
#
# With a vX.Y.Z tag in reach: X.Y.Z, or X.Y.Z-N-gHASH N commits later.
# Without one: RELEASE-gHASH. "-dirty" when the work tree has changes.
srcdir=$1
release=$2

# Only lbtui's own checkout: a tarball unpacked inside another repository
# (make distcheck's build directory) is a release.
if [ -e "$srcdir/.git" ] && command -v git >/dev/null 2>&1; then
	v=$(git -C "$srcdir" describe --tags --match 'v[0-9]*' --dirty 2>/dev/null)
	if [ -n "$v" ]; then
		echo "${v#v}"
		exit 0
	fi
	h=$(git -C "$srcdir" describe --always --dirty 2>/dev/null)
	if [ -n "$h" ]; then
		echo "$release-g$h"
		exit 0
	fi
fi
echo "$release"
