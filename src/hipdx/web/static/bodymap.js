// The body map: each place is a checkbox (role="checkbox"); it mirrors the form's own
// checkboxes (name="spot"), which are what the form sends. Works with mouse, touch and keys.
(function () {
  "use strict";
  var form = document.getElementById("where");
  if (!form) { return; }
  var shapes = Array.prototype.slice.call(form.querySelectorAll(".region[data-key]"));
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=spot][data-key]"));
  var said = document.getElementById("chosen");

  function box(key) {
    for (var i = 0; i < boxes.length; i++) { if (boxes[i].dataset.key === key) { return boxes[i]; } }
    return null;
  }
  function show() {
    var names = [];
    shapes.forEach(function (shape) {
      var input = box(shape.dataset.key);
      var on = !!(input && input.checked);
      shape.setAttribute("aria-checked", on ? "true" : "false");
    });
    boxes.forEach(function (input) {
      if (input.checked) { names.push(input.parentNode.textContent.trim()); }
    });
    said.textContent = names.length ? "Chosen: " + names.join(", ") + "." : "Nothing chosen yet.";
  }
  function toggle(shape) {
    var input = box(shape.dataset.key);
    if (input) { input.checked = !input.checked; show(); }
  }
  shapes.forEach(function (shape) {
    shape.addEventListener("click", function () { toggle(shape); });
    shape.addEventListener("keydown", function (event) {
      if (event.key === " " || event.key === "Enter" || event.key === "Spacebar") {
        event.preventDefault();
        toggle(shape);
      }
    });
  });
  boxes.forEach(function (input) { input.addEventListener("change", show); });
  show();
}());
