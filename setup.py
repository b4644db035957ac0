from setuptools import setup

# Metadata and dependencies live in setup.cfg; the source root is platform/.
setup()
