// The ranking page: its print button (the print CSS does the rest).
document.getElementById("print").addEventListener("click", () => window.print());
