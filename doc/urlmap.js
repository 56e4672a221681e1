// SPDX-License-Identifier: LGPL-2.1-or-later
// Where the API references of the namespaces gpidfd links to live.
baseURLs = [
  [ 'GLib', 'https://docs.gtk.org/glib/' ],
  [ 'GObject', 'https://docs.gtk.org/gobject/' ],
  [ 'Gio', 'https://docs.gtk.org/gio/' ],
]
