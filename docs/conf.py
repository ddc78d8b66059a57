"""Sphinx configuration of the course website: `make book` (scripts/build_book.py).

The site is built from the committed, executed notebooks (never re-executed), with
the edu_cnn API reference from the docstrings. It works offline: MathJax 3 is
copied from the pinned npm package into _static/mathjax (mathjax_path is relative
to _static), widget outputs are replaced by captions (their static twins are the
figures before them), and no theme asset comes from another host.
"""
import os
import sys

sys.path.insert(0, os.environ.get("EDU_CNN_SOURCE", os.path.abspath("..")))  # edu_cnn to document

project = "edu_cnn"
author = "the edu_cnn authors"
copyright = "the edu_cnn authors, MIT licence"
root_doc = "index"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
exclude_patterns = ["_build", "README.md", "**.ipynb_checkpoints"]  # README.md: only included

# --- notebooks: the committed outputs, never re-executed ---
nb_execution_mode = "off"
nb_ipywidgets_js = {}                  # no widget JavaScript from a CDN (widgets are captions)
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_dmath_double_inline = True        # $$…$$ inside a paragraph, as Jupyter renders it (03, 06)
myst_heading_anchors = 3

# --- offline math: MathJax 3 from the npm package, relative to _static ---
mathjax_path = "mathjax/tex-chtml.js"
html_static_path = ["_static"]

# --- API reference: numpydoc docstrings, documented as written ---
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# `params["W"]`, `params["b"]` as fields, not two `params` targets (duplicate descriptions)
napoleon_use_ivar = True
autodoc_member_order = "bysource"
autodoc_typehints = "none"              # the docstrings give types with their shapes
# each object once, where it is defined (not again where __all__ re-exports it)
autodoc_default_options = {"members": True, "ignore-module-all": True}
autodoc_mock_imports = ["torch"]        # interop imports it inside functions only

# --- links: every reference must resolve; the types in docstrings are prose, not targets ---
nitpicky = True
nitpick_ignore_regex = [
    (r"py:(class|obj|data|exc|func|meth|attr)", r"(?!edu_cnn\.).*"),  # numpy, "ndarray of shape"...
    (r"py:(class|obj)", r"edu_cnn\..*\._\w+.*"),   # private bases (_Pool2D, widgets._base.Viewer)
]

html_theme = "sphinx_book_theme"
html_title = "edu_cnn — CNNs from first principles"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,        # the download menu would offer .ipynb/.md we don't ship
    "use_fullscreen_button": False,
}
html_context = {"default_mode": "light"}  # else the theme logs an error on a fresh file:// visit
html_last_updated_fmt = None
html_copy_source = False               # the notebooks are in the repository; 4.8 MB less
html_show_sourcelink = False


# --- the house style of docstrings, in reStructuredText ---
# The docstrings are written to read well as plain text (help(), the notebooks): an
# indented block after a paragraph is code, and |x| is an absolute value. In reST the
# first would be a block quote or a definition list and the second a substitution, so
# each module docstring's indented block gets a "::" paragraph (reST drops it and keeps
# a literal block) and bars outside literal blocks are escaped.


def _house_style(app, what, name, obj, options, lines):
    out, literal = [], False
    for i, line in enumerate(lines):
        indented = line.startswith((" ", "\t")) and line.strip()
        after_blank = i > 0 and not lines[i - 1].strip()
        if indented and after_blank and not literal:
            previous = next((x for x in reversed(out) if x.strip()), "")
            literal = previous.rstrip().endswith("::")
            if what == "module" and not literal:
                out += ["::", ""]
                literal = True
        elif line.strip() and not line.startswith((" ", "\t")):
            literal = False
        out.append(line if literal else line.replace("|", "\\|"))
    lines[:] = out


def setup(app):
    app.connect("autodoc-process-docstring", _house_style)
