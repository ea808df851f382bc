// Debug pages: ask before actions that cost Gmail quota (a full sync reads the whole inbox).
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
