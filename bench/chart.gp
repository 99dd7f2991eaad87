# SPDX-License-Identifier: MIT
# The ratio chart of `make bench`: for each workload, how many times wsheap
# is faster than each other implementation (median / median; > 1: wsheap
# wins).  gnuplot -e "datafile='chart.dat'; outfile='chart.png'" chart.gp
if (!exists("datafile")) datafile = "chart.dat"
if (!exists("outfile")) outfile = "chart.png"

set terminal pngcairo size 1800,900 font "sans,11" noenhanced
set output outfile
set title "wsheap vs. peers: how many times faster wsheap is (median of runs; > 1 = wsheap faster)\nQEMU TCG guest, Debian stock 6.12 kernel" font "sans,13"
set logscale y 10
set yrange [0.01:*]
set ylabel "ratio (log scale)"
set grid ytics
set key off
set style fill solid 0.85 border -1
set boxwidth 0.8
set xtics rotate by 60 right font "sans,9" nomirror
set bmargin 15
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "black" front
set palette defined (0 "#1f77b4", 1 "#ff7f0e", 2 "#2ca02c", 3 "#d62728", \
	4 "#9467bd", 5 "#8c564b", 6 "#e377c2", 7 "#7f7f7f", 8 "#bcbd22", \
	9 "#17becf")
set cbrange [0:9]
unset colorbox

plot datafile using 1:4:(int($5) % 10):xtic(sprintf("%s: %s", strcol(2), strcol(3))) \
	with boxes lc palette, \
     '' using 1:4:(($4) >= 10 ? sprintf("%.0f", $4) : sprintf("%.2g", $4)) \
	with labels offset 0,0.7 font "sans,8"
