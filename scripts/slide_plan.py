"""The slide decisions per notebook, read by scripts/slide_metadata.py (see there).

TYPES[nb][cell] overrides the structural default of one cell (indices count the cells
without the speaker-notes cells, from 0). NOTES[nb][cell] = (minutes, the point of the
screen that starts at that cell).
"""
TYPES = {
    # the nearest-mean classifier: its text, the class means and the score on one screen
    "00": {12: "subslide", 13: "fragment"},
    # rendered 717 px with the section's text (estimated 679): the kernels get their own screen
    "03": {27: "subslide"},
    # the experiment's model definition is set-up code, read in the notebook
    "09": {3: "skip"},
}

NOTES = {
    "00": {
        0: (2, "a network only ever sees arrays; today we learn to read them — shapes, values, "
               "labels — before building anything."),
        3: (3, "an image is a (C, H, W) array and a batch is (N, C, H, W); point at the printed "
               "shapes and at one pixel's value between 0 and 1."),
        6: (2, "the picture is just numbers: the zoomed crop next to its grey values makes that "
               "concrete."),
        7: (3, "a dense layer wants vectors, so reshape (N, 28, 28) to (N, 784); reshape copies "
               "nothing, and the printed memory sizes show why that matters."),
        9: (2, "mean and standard deviation over all training pixels; most pixels are background "
               "0, a few are ink near 1."),
        11: (2, "the histogram on a log scale: a spike at 0 (background), a smaller one at 1 "
                "(ink), little in between."),
        12: (3, "the mean image per class is a blurry prototype; the nearest-mean classifier "
                "already beats guessing by far — ask for a guess before revealing the score."),
        16: (3, "two normalisation recipes (÷255 and standardising with the training set's "
                "mean and std); the printed ranges show what each does."),
        18: (2, "the same histogram three times: the shape never changes, only the axis."),
        19: (3, "raw bytes make a fresh layer's outputs 255 times larger; edu_cnn refuses "
                "integer images and says what to do."),
        23: (2, "one-hot: the label y becomes a row with a single 1 at column y."),
        25: (1, "the one-hot matrix as a picture: one black square per row."),
        26: (1, "before any model, look at the data itself."),
        27: (3, "every class, many hands: thick, thin, slanted; class counts are balanced. "
                "This figure is tall, shown smaller while presenting."),
        28: (2, "recap: tensor shapes, reshape to vectors, normalise with the training "
                "statistics, one-hot labels."),
        29: (2, "how the exercises work: write the function, run the check, read its feedback; "
                "00.1 flattens images."),
        32: (1, "00.2: standardise both sets with the training set's statistics only."),
        35: (1, "00.3: one-hot encoding, also when a class is missing from y."),
        38: (1, "00.4, written: why the test set uses the training statistics — discuss in pairs."),
    },
    "01": {
        0: (2, "the dense layer is the workhorse; we build it from one neuron up, derive its "
               "backward pass and check it numerically."),
        3: (3, "one neuron = weighted sum + bias + activation; hand-picked weights make it "
               "compute AND and OR."),
        5: (2, "the decision boundary of each neuron is a straight line through the unit square."),
        6: (3, "many neurons and many examples at once are one matrix product Y = XW + b; check "
               "the printed shapes."),
        8: (4, "the backward pass by the chain rule: dW = Xᵀ G, db = column sums of G, dX = G Wᵀ; "
               "derive it at the board with the shapes."),
        9: (2, "the three formulas as code, each shape matching its variable."),
        10: (3, "the numerical gradient needs no derivation: nudge each weight by ε and watch the "
                "loss; it agrees with the formulas to about 1e-10."),
        13: (2, "check_layer does the same for whole layers, dense and activations, all pass."),
        14: (2, "without a nonlinearity stacked layers collapse into one; the three classic "
                "activations."),
        15: (2, "the activations and their derivatives: sigmoid passes on at most a quarter of "
                "the gradient."),
        16: (3, "saturation: flat regions mean nearly zero gradient; ReLU passes it or blocks it."),
        17: (2, "XOR: four noisy corners that no straight line separates."),
        18: (2, "no hidden layer: a straight line and poor accuracy; a hidden layer bends the "
                "boundary."),
        19: (2, "why the linear model hedges near 50% everywhere and why the hidden units help."),
        20: (3, "the two hidden units' own boundaries: each draws one line and the output layer "
                "combines them. Shown smaller while presenting."),
        21: (3, "the real data: MLPs with 1, 2 and 3 hidden layers and dropout on the digits."),
        22: (2, "the model builder and the result table: parameters, best epoch, accuracies."),
        24: (2, "validation loss and accuracy per epoch for every MLP."),
        25: (2, "with 3,500 images all MLPs end up similar; the train–test gap is overfitting, "
                "which dropout works against."),
        26: (2, "exercises: 01.1, the dense forward pass in one line."),
        29: (1, "01.2: the backward pass from section 3, shapes first."),
        32: (1, "01.3: the sigmoid's derivative, σ(1 − σ)."),
        35: (2, "01.4: the gradient of softmax cross-entropy, (p − onehot(y)) / N."),
        38: (1, "01.5, written: why an untrained classifier starts at ln 10."),
    },
    "02": {
        0: (2, "four classic ways training fails, each broken on purpose and measured, so you "
               "recognise them."),
        3: (3, "all-zero weights: every hidden unit computes the same thing and gets the same "
               "gradient, so they stay identical."),
        4: (2, "the experiment: the same network with zero init and with random He init."),
        5: (2, "zero-init sigmoid stays at the guessing loss ln 10; random init learns."),
        6: (2, "the learned weights as pictures: identical units for zero init, varied ones for "
                "random init."),
        8: (3, "fix: random initialisation with the right scale, He or Glorot; then: vanishing "
               "gradients in deep sigmoid networks."),
        9: (2, "ten-layer networks: we measure the gradient's size at every layer."),
        10: (3, "the gradient shrinks by about 4× per sigmoid layer (the dotted line); with "
                "ReLU it keeps its size."),
        11: (1, "what that means for training: a plateau."),
        12: (2, "the deep sigmoid net sits at ln 10 while the deep ReLU net learns."),
        13: (3, "fixes: ReLU, careful init, later batch norm and residuals; next pitfall: dying "
                "ReLUs."),
        14: (3, "a sorted data set and a big step: many ReLU units die (output 0 for every "
                "input) and the dead fraction is printed."),
        16: (2, "dead units stay dead even after shuffled training: their gradient is zero."),
        17: (2, "the dead fraction step by step: it jumps during the batches of negatives only."),
        18: (3, "fixes for dying units; then the step size: λ_max of XᵀX/N gives the largest "
                "stable learning rate."),
        21: (2, "four learning rates around the limit, the loss recorded after every step by a "
                "callback."),
        22: (2, "below the limit it converges, above it the loss explodes until the NaN guard "
                "stops fit."),
        23: (2, "reading the curves: a straight line on the log scale is geometric growth."),
        24: (2, "exercises: 02.1 counts dead units."),
        27: (1, "02.2: He initialisation from a given generator."),
        30: (1, "02.3: gradient clipping by norm."),
        33: (1, "02.4, written: why all-zero weights do not learn."),
    },
    "03": {
        0: (2, "why convolution: shared, local weights instead of one weight per pixel."),
        3: (3, "cross-correlation: put the kernel on the image, multiply, add, slide; the flip "
               "of 'true' convolution does not matter for learned kernels."),
        4: (3, "every one of the nine outputs of the 5×5 example worked out, term by term."),
        6: (2, "the library's loop version gives the same numbers; the orange window makes "
               "y[1, 2]."),
        7: (3, "the loop version with batches, channels, filters, stride and padding — read "
               "the printed source line by line."),
        9: (3, "output size per axis: (H + 2P − K) // S + 1; the table checks it for common "
               "settings."),
        11: (1, "what valid, same and strided look like on a digit."),
        12: (2, "valid loses a border, same keeps 28×28, stride 2 keeps every second position."),
        13: (3, "each filter has one kernel per input channel plus a bias: 608 parameters "
                "instead of nearly 20 million for a dense layer."),
        16: (3, "im2col copies every receptive field into a row, so the convolution becomes one "
                "matrix product."),
        17: (2, "the im2col picture: three windows and their rows."),
        18: (3, "im2col by hand on the 5×5 example, then the timing: the matrix product is much "
                "faster (the timing varies by machine)."),
        21: (1, "and the two versions agree."),
        22: (4, "the backward pass: dw correlates x with δ, db sums δ, dx is a full convolution "
                "of δ with the rotated kernel."),
        23: (2, "the formulas against the layer's backward, then the plan for the numerical "
                "check."),
        25: (2, "the numerical gradient check passes for every padding and stride."),
        26: (2, "before learning, kernels were designed by hand: blur, sharpen, edges, Sobel, "
                "Laplacian."),
        27: (2, "the eight kernels as numbers: what each weight pattern does."),
        28: (2, "the kernels on a digit: edges trace the strokes. Shown smaller while "
                "presenting."),
        29: (1, "on a photo the kernels are easier to read."),
        30: (2, "the same kernels on Grace Hopper's face."),
        31: (2, "measured: blurs lower the local contrast, sharpen raises it, zero-sum kernels "
                "average to 0."),
        33: (2, "the kernel playground, first as a static picture."),
        35: (4, "live: change a kernel value, the stride and the padding and watch the output "
                "and its shape change (run the cell first)."),
        36: (2, "recap of convolution, output size, parameters, im2col and the backward pass; "
                "exercise 03.1, the output size."),
        39: (2, "03.2: your own convolution for one image, with padding."),
        42: (1, "03.3: the same with a stride."),
        45: (1, "03.4: output shapes when the axes differ."),
        48: (2, "03.5: the backward pass of a convolution."),
        51: (1, "plug your convolution into the playground and compare."),
        52: (1, "03.6, written: where the rotated kernel comes from."),
    },
    "04": {
        0: (2, "before learning filters: a fixed bank of hand-designed filters feeding a dense "
               "classifier."),
        3: (2, "36 filters: Gabor stripes, edges, blobs and blurs, each of length 1."),
        4: (2, "the bank as a picture: orientations and widths."),
        5: (3, "valid convolution, 2×2 max-pooling and flattening turn a digit into 1,296 "
               "features."),
        7: (2, "the 36 feature maps of one digit: red where the digit has that filter's pattern."),
        9: (2, "max-pooling one map; then standardise every feature with the training "
               "statistics."),
        11: (1, "features for all images, standardised."),
        12: (2, "the classifier: dense 256-128-10 with sigmoid hidden units, trained the same "
                "way on features and on pixels."),
        13: (2, "building the models; the printed summary gives the parameter counts."),
        14: (2, "training the three runs: bank features, pixels, and a wider pixel network."),
        15: (2, "the filter-bank classifier is ahead on the test digits from the first epoch."),
        16: (2, "what the curves say, and why features help a small data set."),
        17: (2, "recap; exercise 04.1, the length of the feature vector."),
        20: (2, "04.2: the feature extractor step by step."),
        24: (1, "04.3, written: why the features beat raw pixels."),
    },
    "05": {
        0: (2, "pooling shrinks each feature map by summarising small windows by one number."),
        3: (2, "max and average pooling over K×K windows with stride S, channel by channel."),
        4: (3, "both by hand on a 4×4 example, then the layers give the same matrices."),
        7: (1, "max pooling as a picture: the winner of each window in red."),
        8: (1, "average pooling of the same input."),
        9: (3, "the backward pass: max sends each δ to its window's winner, average spreads it "
                "evenly."),
        11: (2, "ties go to the first pixel; the numerical check agrees when there are no ties."),
        14: (2, "overlapping windows: a pixel can win several windows and collects all their "
                "gradients."),
        16: (1, "the pixel 9 wins four of the nine windows."),
        17: (3, "the claim to measure: pooled features change less under small shifts and "
                "noise."),
        19: (2, "the relative change of each representation for shifts and noise levels."),
        20: (2, "the curves: pooling damps shifts, average pooling also damps noise."),
        21: (2, "the comparison in numbers, then one shifted digit in each representation."),
        23: (2, "original and shifted digit side by side in each representation. Shown smaller "
                "while presenting."),
        24: (2, "reading the measurements: shifts, noise, and what max-pooling does not do."),
        25: (1, "the pooling playground, static first."),
        26: (1, "max-pooling a digit, the winners in red."),
        27: (3, "live: change window and stride and watch the pooled map."),
        28: (2, "recap; the input of exercise 05.1."),
        30: (1, "05.1: pooling by hand."),
        32: (2, "05.2: the backward pass of max-pooling; then a going-further idea."),
        36: (1, "05.3, written: why max-pooling does not damp noise."),
    },
    "06": {
        0: (2, "everything together: build a CNN, train it, and look inside it."),
        3: (3, "training, validation and test sets have three different jobs; the split is "
               "fixed by the seed."),
        5: (3, "the architecture: two conv–ReLU–pool blocks and a dense classifier."),
        6: (2, "the model in code; the summary prints every layer's output shape and "
               "parameters."),
        7: (2, "the parameter counts by hand match the summary; the conv layers are cheap."),
        9: (3, "two checks before training: the initial loss is near ln 10, and the network "
               "can overfit a tiny batch."),
        11: (3, "what fit does in every step, with Adam, decay and early stopping by validation "
                "loss."),
        13: (3, "training (the timing varies by machine); then the kept epoch and the test "
                "accuracy, revealed after it ran."),
        15: (2, "learning curves: training solid, validation dashed."),
        17: (2, "the epoch table; why validation accuracy can start above training accuracy."),
        19: (2, "the confusion matrix: which digit is mistaken for which."),
        21: (2, "the matrix as a picture; the off-diagonal cells are the mistakes. Shown "
                "smaller while presenting."),
        22: (2, "the misclassified digits themselves, with the network's confidence."),
        24: (1, "many of these a person would hesitate over too."),
        25: (3, "the first layer's eight 5×5 filters: stroke and edge detectors."),
        28: (2, "live: the FilterViewer shows either conv layer, per filter or on one scale."),
        29: (2, "model.activations runs one image and keeps every layer's output."),
        31: (2, "the first conv layer's feature maps of one digit."),
        32: (2, "the second layer's maps: smaller, blurrier, more abstract."),
        34: (2, "what the dense layer sees, and the predicted probabilities."),
        36: (4, "live: FeatureMapExplorer — move the image slider, pick a layer and a channel "
                "(run the cell first)."),
        37: (2, "save the best weights to one .npz and load them back; the predictions are "
                "identical."),
        39: (2, "training at a glance: batch losses, accuracies and first-layer filters in one "
                "picture."),
        42: (3, "LiveTraining: a fresh network trains one epoch and the picture updates while "
                "it learns. Shown smaller while presenting."),
        43: (2, "recap of the whole pipeline."),
        44: (2, "exercises: 06.1, a CNN with valid convolutions."),
        47: (1, "06.2: the confusion matrix by hand."),
        50: (1, "06.3, written: what the initial loss tells you."),
        52: (1, "open exercise: tune the knobs in the parameters cell."),
    },
    "07": {
        0: (2, "how do we know our numbers are right? The same weights in PyTorch must give "
               "the same results."),
        3: (3, "one small float64 CNN, converted with interop.to_torch: conv weights copy, "
               "dense weights transpose."),
        6: (2, "the PyTorch model, and every weight compared: exactly zero difference."),
        9: (2, "the forward pass: the same probabilities for one digit, to rounding noise."),
        11: (2, "the probabilities side by side; then all test digits at once."),
        13: (1, "every predicted class agrees."),
        14: (3, "one SGD step in each library on the same batch: loss, gradients, update."),
        17: (2, "weights before and after the step, side by side."),
        18: (2, "the largest difference after the step is below 1e-12: float64 rounding."),
        20: (2, "how much the step moved the weights against how much the libraries disagree. "
                "Shown smaller while presenting."),
        21: (3, "many momentum steps: the two loss curves do not drift apart."),
        23: (3, "for real work hand the model to PyTorch: train there on any device."),
        25: (1, "and back: the same accuracy after the round trip."),
        27: (2, "recap: layouts, interop, and how close is close enough."),
        28: (2, "exercises: 07.1, a dense layer's weights for nn.Linear."),
        31: (2, "07.2: PyTorch's momentum step by hand."),
        34: (1, "07.3, written: why two correct implementations can differ."),
        36: (1, "open exercise: the same comparison in float32."),
    },
    "08": {
        0: (1, "the question of the lecture is *why* the network answers what it answers; "
               "every tool today is a forward pass plus one backward pass students already wrote."),
        4: (1, "same architecture as 06; we retrain instead of loading, so the notebook stands "
               "alone and offline and nothing binary is committed."),
        7: (2, "MNIST's preprocessing is not a detail: a drawing must be boxed to 20×20 and "
               "centred by its centre of mass, or the network sees a digit it never saw."),
        10: (1, "the pre-drawn digits after preprocessing, with the network's answers."),
        12: (1, "the static twin of the drawing viewer on the ambiguous 4/9: input, feature "
                "maps, probabilities split between two classes."),
        14: (3, "let the students draw; ask them to make the network say 9 with a stroke that a "
                "person would still read as 4."),
        15: (2, "saliency is the gradient of one class score with respect to the pixels, "
                "checked against numerical gradients; SmoothGrad averages it over noisy copies."),
        19: (1, "saliency and SmoothGrad side by side on three digits: speckle against a "
                "smoother map."),
        20: (1, "occlusion needs no gradient, only forward passes: the most honest and the "
                "slowest map; a confident network hardly notices one hidden patch."),
        23: (2, "Grad-CAM weights the last conv layer's maps by their average gradient: class "
                "evidence at the resolution of that layer."),
        24: (1, "the four maps on the same digits."),
        25: (2, "the maps disagree because they measure different things: local sensitivity, "
                "region necessity, class evidence in the last feature maps."),
        26: (1, "the explanation viewer: pick a digit and a method."),
        27: (2, "FGSM: one signed gradient step of size ε against the true class; one digit "
                "before and after the push."),
        29: (2, "accuracy against ε over the 1,000 test digits: the decision is a sum over many "
                "pixels and FGSM aligns all of them against it."),
        31: (1, "what to look for in the viewer at 0.05 and at 0.2."),
        32: (1, "move the ε slider: the perturbation grows and the prediction flips."),
        33: (1, "a unit of a feature map sees only part of the image."),
        34: (2, "the receptive field grows layer by layer: two 5×5 convs and two pools see "
                "16×16 of a 28×28 digit."),
        35: (1, "walking back from one unit gives its input patch, checked against the pixels "
                "the backward pass reaches."),
        37: (2, "click a unit to see its patch."),
        38: (1, "recap; each tool is a forward pass plus at most one backward pass."),
        39: (2, "exercise 08.1: the Grad-CAM weights."),
        42: (2, "exercise 08.2: one FGSM step."),
        45: (1, "exercise 08.3, written: why so small a change fools the network."),
    },
    "09": {
        0: (1, "the question of this notebook: how do we get more out of 4,000 digits? Three "
               "ideas, each shown live on a small problem, then the measured table."),
        4: (2, "the network fits its 500 training digits almost perfectly, yet misses several "
               "percent of new ones: that gap is what the rest tries to shrink."),
        6: (1, "a digit shifted, turned or stretched a little is still the same digit: free "
               "new training examples."),
        7: (2, "each column is one transformation, the same three digits in every column; the "
               "labels do not change. The last column combines them, as training does."),
        8: (2, "elastic distortion: σ decides what the displacement field looks like, α how far "
               "pixels move; with σ = 1 the strokes tear, with σ = 4 they bend."),
        10: (1, "the transform hook: fit applies it to every training batch, never to "
                "validation."),
        11: (2, "without augmentation the training accuracy races to 100% and the held-out "
                "accuracy stalls; with it the training task stays hard."),
        12: (1, "the gap in numbers, with and without augmentation."),
        13: (3, "batch norm: the formula, the loop that reads like it, the vectorised version; "
                "every channel leaves with mean 0 and variance 1."),
        15: (2, "how high a learning rate still trains, and why the table gives verdicts: "
                "at such rates training is chaotic and the digits differ between CPUs."),
        16: (2, "at 1.0 the plain network dies, the normalised one still learns; at 3.0 both "
                "fail."),
        17: (2, "AdamW shrinks every weight a little each step, apart from the gradient; a "
                "callback records the weights' norm."),
        19: (1, "the norm grows without decay and is held back with it."),
        20: (3, "the table: each row's mean over 3 seeds and its gain over the plain network; "
                "one test digit is 0.1 points, so read gains against the spread."),
        22: (2, "the dots are the individual seeds, the bars only means; the timings say what "
                "each run cost."),
        23: (2, "the final recipe with its spread, and its PyTorch twin for calibration."),
        25: (1, "the four points to remember; the numbers are in sections 6 and 7."),
        26: (1, "exercise 09.1: batch norm forward; the check names the usual mistakes."),
        29: (1, "exercise 09.2: one AdamW step, checked against the library's rule (itself "
                "tested against PyTorch)."),
        32: (1, "exercise 09.3: shifting a digit; negative and zero shifts are the traps."),
        35: (1, "exercise 09.4, written: inference must not depend on the rest of the batch."),
        37: (1, "open exercise: your own recipe, measured the same way."),
    },
}
