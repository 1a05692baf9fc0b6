#!/bin/sh
# deb postrm (electron-builder deb.afterRemove). On purge or remove, delete the start-at-login entry the app wrote
# into each user's XDG autostart directory, so an uninstalled app is not launched (and failing) at the next login.
# Only our own file name is touched; a user-customised XDG_CONFIG_HOME elsewhere cannot be known here.
set -e
case "$1" in
  remove|purge)
    for home in /root /home/*; do
      entry="$home/.config/autostart/ccproxy-desktop.desktop"
      if [ -f "$entry" ] && grep -q '^Name=CCProxy Desktop$' "$entry"; then
        rm -f "$entry"
      fi
    done
    ;;
esac
exit 0
