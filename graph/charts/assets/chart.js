// Mosaic link chart: draws the nodes, edges and options pyvis built (embedded in the page
// as JSON), runs physics until the layout is stable, then turns physics off so the chart
// stays still and responsive at its cap. window.mosaicChart records what was drawn and
// when it stabilised (browser tests and the chart benchmark read it); double-clicking a
// node asks the page that embeds the chart (the workspace, same origin only) to expand it.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var state = {
    nodes: data.nodes.length,
    edges: data.edges.length,
    stabilised: false,
    stabilisedAt: null,
    startedAt: performance.now(),
  };
  window.mosaicChart = state;
  var container = document.getElementById("chart");
  var network = new vis.Network(
    container,
    { nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges) },
    data.options
  );
  state.network = network;
  function settled() {
    if (state.stabilised) return;
    network.setOptions({ physics: false });
    state.stabilised = true;
    state.stabilisedAt = performance.now();
    document.body.setAttribute("data-stabilised", "true");
  }
  network.once("stabilizationIterationsDone", settled);
  network.once("stabilized", settled);
  if (data.nodes.length <= 1) settled();
  network.on("doubleClick", function (params) {
    // Only a same-origin parent (frameElement is null otherwise) is told anything.
    if (params.nodes.length && window.frameElement && window.parent.mosaicExpand) {
      window.parent.mosaicExpand(params.nodes[0]);
    }
  });
})();
