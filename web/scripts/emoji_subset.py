# The app's emoji font: Debian's Noto Color Emoji (fonts-noto-color-emoji)
# cut down with fontTools (python3-fonttools) to the code points given, so
# that a system without a colour emoji font shows the app's emoji instead
# of empty boxes, for some 20 KB rather than 10 MB.
#
#   emoji_subset.py SOURCE.ttf OUT.ttf 1F44D,1F4CE,...
#
# Prints the code points the font has of those (hex, comma-separated): the
# @font-face's unicode-range.
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

source, out, wanted = sys.argv[1], sys.argv[2], sys.argv[3]
font = TTFont(source)
cmap = font.getBestCmap()
keep = sorted({int(c, 16) for c in wanted.split(",") if c} & set(cmap))
options = subset.Options()
options.layout_features = ["*"]  # keep the sequences (skin tones, ZWJ) of what is kept
subsetter = subset.Subsetter(options)
subsetter.populate(unicodes=keep)
subsetter.subset(font)
font.save(out)
print(",".join("%X" % c for c in keep))
