"""Link charts: the part of the graph around a person a caller may see, styled for
reading (`build`, `style`), drawn with pyvis and vis-network (`render`), and exported
with its evidence (`export`)."""
