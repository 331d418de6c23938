"""Sandboxes: stand-ins for the outside parties the platform pays through, for development and
tests only. Nothing here moves real money or may be pointed at real data. Sandboxes never import
the platform's services: they speak to them only over HTTP, as the real parties would."""
